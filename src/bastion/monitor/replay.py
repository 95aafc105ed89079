"""The replay contract (docs/monitor.md): JSON Lines events in, one verdict per org out.

``parse_event`` turns one line into a MonitorEvent, fingerprinting ``prompt`` and dropping it; a line
that breaks the contract raises BadEvent with a message that names the field. ``replay`` orders the
events by time (stable, so equal times keep file order), runs the engine and returns the verdicts
sorted by org. Bad lines are skipped and counted, never fatal: one broken record in a month of traffic
must not hide the verdicts on every other account.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bastion.monitor.engine import MonitorEngine
from bastion.monitor.events import DECISIONS, MonitorEvent
from bastion.monitor.fingerprint import Fingerprinter
from bastion.monitor.settings import MonitorSettings
from bastion.monitor.signals import Assessment

MAX_ID_CHARS = 256
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_ASN = re.compile(r"(?:AS)?(\d{1,10})", re.IGNORECASE)


class BadEvent(ValueError):
    """A line that is not an event of the replay contract."""


def _ts(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise BadEvent(f"{name} must be a number of seconds or an ISO 8601 time, not a boolean")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise BadEvent(f"{name} must be a finite, non-negative number of seconds")
        return float(value)
    if isinstance(value, str):
        try:
            t = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise BadEvent(f"{name} is not an ISO 8601 time: {value[:40]!r}") from None
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)  # a time without a zone is read as UTC
        return t.timestamp()
    raise BadEvent(f"{name} must be a number of seconds or an ISO 8601 time")


def _ident(rec: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = rec.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadEvent(f"{name} must be a non-empty string" + ("" if required else " or null"))
    if len(value) > MAX_ID_CHARS:
        raise BadEvent(f"{name} is longer than {MAX_ID_CHARS} characters")
    return value


def _country(rec: dict[str, Any], name: str) -> str | None:
    value = rec.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value):
        raise BadEvent(f"{name} must be a two-letter ISO 3166 code or null")
    return value.upper()


def _tokens(rec: dict[str, Any], name: str) -> int:
    value = rec.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadEvent(f"{name} must be a non-negative integer")
    if value < 0 or value != int(value) or value > 10**9:
        raise BadEvent(f"{name} must be a non-negative integer (at most 10^9)")
    return int(value)


def _asn(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadEvent("asn must be an integer or 'AS<digits>'")
    if isinstance(value, int) and 0 <= value < 2**32:
        return value
    if isinstance(value, str) and (m := _ASN.fullmatch(value.strip())) and int(m.group(1)) < 2**32:
        return int(m.group(1))
    raise BadEvent("asn must be an integer or 'AS<digits>'")


def parse_event(line: str, fingerprinter: Fingerprinter) -> MonitorEvent:
    try:
        rec = json.loads(line)
    except ValueError as exc:
        raise BadEvent(f"not JSON ({exc})") from None
    if not isinstance(rec, dict):
        raise BadEvent("not a JSON object")
    missing = [k for k in ("ts", "org", "key", "ip", "model", "prompt", "prompt_tokens", "completion_tokens",
                           "decision") if k not in rec]
    if missing:
        raise BadEvent(f"missing {', '.join(missing)}")
    ip = rec["ip"]
    if not isinstance(ip, str):
        raise BadEvent("ip must be a string")
    try:
        ip = str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        raise BadEvent(f"ip is not an IP address: {ip[:60]!r}") from None
    prompt = rec["prompt"]
    if not isinstance(prompt, str):
        raise BadEvent("prompt must be a string")
    flagged = rec.get("flagged", [])
    if flagged is None:
        flagged = []
    if not isinstance(flagged, list) or not all(isinstance(c, str) for c in flagged):
        raise BadEvent("flagged must be a list of category names")
    decision = rec["decision"]
    if not isinstance(decision, str) or decision.strip().lower() not in DECISIONS:
        raise BadEvent(f"decision must be one of allow, deny, flag (got {str(decision)[:40]!r})")
    scores = rec.get("scores") or {}
    if not isinstance(scores, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in scores.values()):
        raise BadEvent("scores must be an object of numbers")
    reason = rec.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise BadEvent("reason must be a string or null")
    ev = MonitorEvent(
        ts=_ts(rec["ts"], "ts"),
        org=_ident(rec, "org") or "",
        key=_ident(rec, "key") or "",
        ip=ip,
        country=_country(rec, "country"),
        model=_ident(rec, "model") or "",
        prompt_tokens=_tokens(rec, "prompt_tokens"),
        completion_tokens=_tokens(rec, "completion_tokens"),
        decision=DECISIONS[decision.strip().lower()],
        flagged=tuple(flagged),
        user=_ident(rec, "user", required=False),
        asn=_asn(rec.get("asn")),
        kyc_country=_country(rec, "kyc_country"),
        scores={str(k): float(v) for k, v in scores.items()},
        reason=reason,
        account_created=None if rec.get("account_created") is None else _ts(rec["account_created"],
                                                                            "account_created"),
        fingerprint=fingerprinter.fingerprint(prompt),  # the text goes no further than this call
    )
    return ev


@dataclass
class ReplayResult:
    verdicts: list[Assessment]
    events: int = 0
    bad_lines: int = 0
    orgs: int = 0


OnBadLine = Callable[[int, str], None]


def read_events(lines: Iterable[bytes | str], fingerprinter: Fingerprinter,
                on_bad: OnBadLine) -> Iterator[MonitorEvent]:
    """Parse lines (numbered from 1); blank lines are ignored, bad ones reported through ``on_bad``."""
    for n, raw in enumerate(lines, 1):
        try:
            line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            on_bad(n, "not UTF-8")
            continue
        if not line.strip():
            continue
        try:
            ev = parse_event(line, fingerprinter)
        except BadEvent as exc:
            on_bad(n, str(exc))
            continue
        yield ev


def replay(lines: Iterable[bytes | str], fingerprinter: Fingerprinter, settings: MonitorSettings | None = None,
           on_bad: OnBadLine | None = None) -> ReplayResult:
    bad = 0

    def count_bad(n: int, why: str) -> None:
        nonlocal bad
        bad += 1
        if on_bad is not None:
            on_bad(n, why)

    events = list(read_events(lines, fingerprinter, count_bad))
    events.sort(key=lambda e: e.ts)  # stable: equal times keep file order
    engine = MonitorEngine(settings)
    for ev in events:
        engine.observe(ev)
    engine.finish()
    verdicts = {v.org: v for v in engine.verdicts()}
    # an org whose state was dropped for memory (beyond max_accounts) without reaching an action
    # still gets its line
    for org in {ev.org for ev in events} - verdicts.keys():
        verdicts[org] = Assessment(org, 0.0, "none", (), events[-1].ts, 0)
    ordered = [verdicts[org] for org in sorted(verdicts)]
    return ReplayResult(ordered, events=len(events), bad_lines=bad, orgs=len(ordered))
