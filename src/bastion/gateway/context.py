"""The request context that flows through the decision pipeline, and the verdicts stages return."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Decision(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    FLAG = "flag"  # allowed, but marked for review (e.g. a grey-band guard score)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one stage decided, and why (invariant 3: every denial names what fired)."""

    decision: Decision
    reason: str = "ok"  # machine-readable reason code, e.g. "invalid_api_key", "policy.frontier_tier"
    message: str = ""  # one readable sentence for the client / officer
    evidence: dict[str, Any] = field(default_factory=dict)
    http_status: int = 403
    retry_after_s: float | None = None

    @property
    def denied(self) -> bool:
        return self.decision is Decision.DENY


ALLOW = Verdict(Decision.ALLOW)


def allow(**evidence: Any) -> Verdict:
    return Verdict(Decision.ALLOW, evidence=evidence) if evidence else ALLOW


def deny(reason: str, message: str, status: int = 403, **evidence: Any) -> Verdict:
    return Verdict(Decision.DENY, reason, message, evidence, status)


@dataclass(slots=True)
class Principal:
    """Who is calling: resolved from the API key by the authenticate stage."""

    org_id: str
    org_name: str
    org_status: str
    key_id: str
    key_prefix: str
    key_status: str
    user_id: str | None = None
    tier: int = 0
    country: str | None = None
    programmes: tuple[str, ...] = ()
    screening_state: str = "unscreened"  # unscreened | clear | review | block
    keep_content: bool = False
    rpm_limit: int | None = None
    tpm_limit: int | None = None
    key_rpm_limit: int | None = None
    key_tpm_limit: int | None = None
    declared_use: str | None = None
    org_version: int = 1  # bumped on every org change; caches key on it


@dataclass(slots=True)
class GuardAssessment:
    """Hazard scores for one text (prompt, answer or stream window)."""

    scores: dict[str, float]
    flagged: list[str]
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class StageRecord:
    stage: str
    verdict: Verdict
    elapsed_us: int


@dataclass(slots=True)
class RequestContext:
    request_id: str
    route: str  # "chat.completions" | "completions" | "embeddings" | "models"
    body: dict[str, Any]
    api_key: str | None
    headers: dict[str, str]
    client_ip: str | None = None
    model: str | None = None
    stream: bool = False
    received_at: float = field(default_factory=time.time)
    principal: Principal | None = None
    request_country: str | None = None
    guard_input: GuardAssessment | None = None
    guard_output: GuardAssessment | None = None
    trail: list[StageRecord] = field(default_factory=list)
    final: Verdict = ALLOW
    deciding_stage: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    answer_text: str = ""
    upstream_status: int | None = None
    # Per-stage extra facts for the audit record (policy ids, rate-limit counters, ...).
    facts: dict[str, Any] = field(default_factory=dict)

    def prompt_text(self) -> str:
        """All user-visible input text of the request, in order (messages, prompt or input)."""
        return "\n".join(iter_input_texts(self.body))


def message_text(message: dict[str, Any]) -> str:
    """The text of one chat message: its string content, or its text parts joined."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def prompt_inputs(body: dict[str, Any]) -> list[str]:
    """The strings of a completions ``prompt`` or an embeddings ``input``."""
    out: list[str] = []
    for key in ("prompt", "input"):
        value = body.get(key)
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, str))
    return out


def iter_input_texts(body: dict[str, Any]) -> list[str]:
    messages = body.get("messages")
    texts = [message_text(m) for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []
    return [t for t in texts if t] + prompt_inputs(body)
