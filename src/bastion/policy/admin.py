"""Admin routes for the policy: what is in force, and an atomic reload."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException

from bastion.gateway.admin import get_services, require_admin
from bastion.services import Services

router = APIRouter(prefix="/admin/policy", tags=["policy"])
Admin = Annotated[str, Depends(require_admin)]
Svc = Annotated[Services, Depends(get_services)]


def _service(svc: Services) -> Any:
    if svc.policy is None:
        raise HTTPException(404, "the policy capability is not enabled")
    return svc.policy


@router.get("")
async def policy_in_force(_: Admin, svc: Svc) -> dict[str, Any]:
    pack = _service(svc).engine.pack
    return {"digest": pack.digest, "restricted_countries": sorted(pack.restricted_countries),
            "policies": [{"id": i.id, "effect": i.effect, "reason": i.reason, "file": i.file}
                         for i in pack.info.values()]}


@router.post("/reload")
async def reload(actor: Admin, svc: Svc) -> dict[str, Any]:
    result: dict[str, Any] = await _service(svc).reload(actor)
    if not result["ok"]:
        raise HTTPException(422, f"policy set rejected, previous set stays in force: {result['error']}")
    return result
