"""Monitor events on the wire (a Redis Stream entry's ``e`` field): compact JSON, fingerprints only.

An event carries no prompt or answer text (``MonitorEvent`` has no field for it), so what crosses
Redis is what the monitor may keep. ``decode`` accepts exactly what ``encode`` writes.
"""

from __future__ import annotations

from typing import Any

import orjson

from bastion.monitor.events import MonitorEvent
from bastion.monitor.fingerprint import ContentFingerprint

VERSION = 1


def encode(ev: MonitorEvent) -> bytes:
    fp = ev.fingerprint
    doc: dict[str, Any] = {
        "v": VERSION, "ts": ev.ts, "org": ev.org, "key": ev.key, "ip": ev.ip, "country": ev.country,
        "model": ev.model, "pt": ev.prompt_tokens, "ct": ev.completion_tokens, "decision": ev.decision,
        "flagged": list(ev.flagged), "user": ev.user, "asn": ev.asn, "kyc": ev.kyc_country,
        "scores": dict(ev.scores), "reason": ev.reason, "created": ev.account_created,
    }
    if fp is not None:
        # SimHashes are unsigned 64-bit: as strings, so no JSON reader rounds them.
        doc["fp"] = [str(fp.simhash), str(fp.template), str(fp.frame), fp.length, fp.language, fp.topic, fp.cot]
    return orjson.dumps(doc)


def decode(raw: bytes | str) -> MonitorEvent:
    d = orjson.loads(raw)
    if not isinstance(d, dict) or d.get("v") != VERSION:
        raise ValueError("not a monitor event of wire version 1")
    fp = d.get("fp")
    fingerprint = None
    if fp is not None:
        fingerprint = ContentFingerprint(int(fp[0]), int(fp[1]), int(fp[2]), int(fp[3]), str(fp[4]), str(fp[5]),
                                         bool(fp[6]))
    return MonitorEvent(
        ts=float(d["ts"]), org=str(d["org"]), key=str(d["key"]), ip=str(d["ip"]), country=d.get("country"),
        model=str(d["model"]), prompt_tokens=int(d["pt"]), completion_tokens=int(d["ct"]),
        decision=str(d["decision"]), flagged=tuple(d.get("flagged") or ()), user=d.get("user"),
        asn=d.get("asn"), kyc_country=d.get("kyc"), scores=d.get("scores") or {}, reason=d.get("reason"),
        account_created=d.get("created"), fingerprint=fingerprint,
    )
