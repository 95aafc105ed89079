"""What goes into the log: canonical JSON leaves, and the records built from decisions.

A leaf's bytes are one JSON object, UTF-8, keys sorted, no insignificant whitespace (so no newline
inside: JSON escapes them). Prompts and answers are kept as HMAC-SHA256 under a salt derived from the
server secret, unless the org chose to keep content (invariant 4); keys never appear (invariant 5).
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import orjson

from bastion.gateway.context import RequestContext

RECORD_VERSION = 1


def canonical(record: Any) -> bytes:
    """Canonical JSON: sorted keys, no insignificant whitespace, UTF-8 (audit leaves, red-team reports)."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def content_salt(server_secret: str) -> bytes:
    return hmac.new(server_secret.encode(), b"bastion audit content salt v1", hashlib.sha256).digest()


def salted_hash(salt: bytes, text: str) -> str:
    return hmac.new(salt, text.encode(), hashlib.sha256).hexdigest()


def decision_record(ctx: RequestContext, phase: str, salt: bytes, replica: str) -> dict[str, Any]:
    p = ctx.principal
    v = ctx.final
    rec: dict[str, Any] = {
        "v": RECORD_VERSION, "kind": "decision", "phase": phase, "time": now_iso(), "request_id": ctx.request_id,
        "replica": replica, "route": ctx.route, "model": ctx.model,
        "org_id": p.org_id if p else None, "key_id": p.key_id if p else None, "user_id": p.user_id if p else None,
        "decision": v.decision.value, "stage": ctx.deciding_stage, "reason": v.reason, "status": v.http_status
        if v.denied else (ctx.upstream_status or 200),
        "country": ctx.request_country, "prompt_tokens": ctx.prompt_tokens,
        "completion_tokens": ctx.completion_tokens,
    }
    policy = ctx.facts.get("policy")
    if policy:
        rec["policy"] = policy
    if v.evidence:
        rec["evidence"] = v.evidence
    if ctx.guard_input is not None:
        rec["guard_input"] = {k: round(s, 4) for k, s in ctx.guard_input.scores.items()}
        rec["guard_flagged"] = ctx.guard_input.flagged
    if ctx.guard_output is not None:
        rec["guard_output"] = {k: round(s, 4) for k, s in ctx.guard_output.scores.items()}
    if "stream" in ctx.facts:
        rec["stream"] = ctx.facts["stream"]
    prompt = ctx.prompt_text()
    if prompt:
        rec["prompt_sha256"] = salted_hash(salt, prompt)
    if ctx.answer_text:
        rec["answer_sha256"] = salted_hash(salt, ctx.answer_text)
    if p is not None and p.keep_content:
        rec["prompt_text"] = prompt
        if ctx.answer_text:
            rec["answer_text"] = ctx.answer_text
    return rec


def admin_record(action: str, actor: str, details: dict[str, Any], kind: str = "admin") -> dict[str, Any]:
    """An operator's action (admin API or CLI); ``kind`` names the capability (vault, redteam ...)."""
    return {"v": RECORD_VERSION, "kind": kind, "time": now_iso(), "action": action, "actor": actor,
            "details": details}


def cli_actor() -> str:
    """Who ran a CLI command, as the audit log names them."""
    return f"cli:{getpass.getuser()}"
