"""Review cases: one open case per org at a time, raised as its verdict escalates, closed by an analyst.

An analyst's decision is kept on the case. A ``dismissed`` case suppresses the same finding for that
org: later verdicts at or below the dismissed action open nothing and take no action; a stronger one
opens a new case (the account did something new).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.monitor.signals import Assessment
from bastion.monitor.tables import monitor_cases

RANK = {"none": 0, "review": 1, "step_down": 2, "throttle": 3, "suspend": 4}
OUTCOMES = ("confirmed", "dismissed")


class CaseError(ValueError):
    """A case that does not exist ("no ..."), or a change refused."""


@dataclass(frozen=True, slots=True)
class Opened:
    case: dict[str, Any]
    escalated_from: str | None  # the open case's previous action; None for a new case
    new: bool


def _now() -> datetime:
    return datetime.now(UTC)


def _row(r: Any) -> dict[str, Any]:
    d = dict(r)
    for k in ("opened_at", "updated_at", "decided_at"):
        if d.get(k) is not None:
            d[k] = d[k].isoformat()
    return d


class CaseStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def record(self, a: Assessment) -> Opened | None:
        """Open or escalate the org's case for this verdict; None when nothing changes (the open case
        already holds this action or a stronger one, or an analyst dismissed this finding)."""
        signals = [s.as_json() for s in a.signals]
        async with self.engine.begin() as conn:
            rows = (await conn.execute(select(monitor_cases).where(monitor_cases.c.org_id == a.org)
                                       .order_by(monitor_cases.c.opened_at.desc()))).mappings().all()
            open_case = next((r for r in rows if r["status"] == "open"), None)
            dismissed = max((RANK[r["action"]] for r in rows if r["status"] == "dismissed"), default=0)
            if RANK[a.action] <= dismissed:
                return None
            now = _now()
            if open_case is not None:
                if RANK[a.action] <= RANK[open_case["action"]]:
                    return None
                await conn.execute(update(monitor_cases).where(monitor_cases.c.id == open_case["id"]).values(
                    action=a.action, risk=a.risk, signals=signals, updated_at=now))
                case = {**dict(open_case), "action": a.action, "risk": a.risk, "signals": signals, "updated_at": now}
                return Opened(_row(case), open_case["action"], False)
            case = {"id": "case_" + secrets.token_hex(8), "org_id": a.org, "status": "open", "action": a.action,
                    "risk": a.risk, "signals": signals, "applied": [], "opened_at": now, "updated_at": now,
                    "decided_at": None, "analyst": None, "outcome": None, "reason": None}
            await conn.execute(monitor_cases.insert().values(**case))
            return Opened(_row(case), None, True)

    async def note_applied(self, case_id: str, action: str, result: str) -> None:
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(monitor_cases.c.applied).where(monitor_cases.c.id == case_id))).first()
            if row is None:
                return
            applied = [*row[0], {"action": action, "at": _now().isoformat(), "result": result}]
            await conn.execute(update(monitor_cases).where(monitor_cases.c.id == case_id).values(applied=applied))

    async def get(self, case_id: str) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(monitor_cases).where(monitor_cases.c.id == case_id))).mappings().first()
        if row is None:
            raise CaseError(f"no case {case_id!r}")
        return _row(row)

    async def list(self, status: str | None = None, org: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        q = select(monitor_cases).order_by(monitor_cases.c.opened_at.desc()).limit(limit)
        if status is not None:
            q = q.where(monitor_cases.c.status == status)
        if org is not None:
            q = q.where(monitor_cases.c.org_id == org)
        async with self.engine.connect() as conn:
            return [_row(r) for r in (await conn.execute(q)).mappings()]

    async def decide(self, case_id: str, outcome: str, reason: str, analyst: str) -> dict[str, Any]:
        if outcome not in OUTCOMES:
            raise CaseError(f"outcome must be one of {', '.join(OUTCOMES)}")
        if not reason.strip():
            raise CaseError("a reason is required")
        if not analyst.strip():
            raise CaseError("the analyst's name is required")
        async with self.engine.begin() as conn:
            res = await conn.execute(update(monitor_cases).where(
                monitor_cases.c.id == case_id, monitor_cases.c.status == "open").values(
                status=outcome, outcome=outcome, reason=reason, analyst=analyst, decided_at=_now(),
                updated_at=_now()))
            if res.rowcount == 0:
                exists = (await conn.execute(select(monitor_cases.c.status)
                                             .where(monitor_cases.c.id == case_id))).first()
                if exists is None:
                    raise CaseError(f"no case {case_id!r}")
                raise CaseError(f"case {case_id} is already decided ({exists[0]})")
        return await self.get(case_id)
