"""Admin API for the monitor's review cases (``/admin/monitor/...``), behind the admin token."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from bastion.gateway.admin import Admin, Svc, missing_or_conflict
from bastion.monitor.cases import CaseError, CaseStore

router = APIRouter(prefix="/admin/monitor", tags=["monitor"])


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["confirmed", "dismissed"]
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")
    analyst: str = Field(min_length=1, max_length=200, pattern=r"\S")


@router.get("/cases")
async def list_cases(_: Admin, svc: Svc, status: Literal["open", "confirmed", "dismissed"] | None = None,
                     org: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    if not 1 <= limit <= 1000:
        raise HTTPException(400, "limit must be 1..1000")
    return await CaseStore(svc.engine).list(status, org, limit)


@router.get("/cases/{case_id}")
async def get_case(case_id: str, _: Admin, svc: Svc) -> dict[str, Any]:
    try:
        return await CaseStore(svc.engine).get(case_id)
    except CaseError as exc:
        raise missing_or_conflict(exc) from exc


@router.post("/cases/{case_id}/decision")
async def decide_case(case_id: str, body: DecisionIn, actor: Admin, svc: Svc) -> dict[str, Any]:
    try:
        case = await CaseStore(svc.engine).decide(case_id, body.outcome, body.reason, body.analyst)
    except CaseError as exc:
        raise missing_or_conflict(exc) from exc
    await svc.record_admin("monitor.case_decided", actor, {"case_id": case_id, "org_id": case["org_id"],
                                                           "outcome": body.outcome, "analyst": body.analyst,
                                                           "reason": body.reason})
    return case
