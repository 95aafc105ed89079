"""Admin routes for sealed weights: ``download_weights`` through the access policy.

Only ciphertext leaves the server (the signed manifest and the sealed files); unsealing still needs
K custodians. Every download and every refusal is audit-logged with the org and the policies that
decided it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from bastion.gateway.admin import get_services, require_admin
from bastion.policy.engine import org_principal
from bastion.services import Services
from bastion.store.accounts import AccountError

router = APIRouter(prefix="/admin/vault", tags=["vault"])
Admin = Annotated[str, Depends(require_admin)]
Svc = Annotated[Services, Depends(get_services)]
OrgId = Annotated[str, Query(min_length=1, max_length=40, description="The org the weights are released to.")]


def _sealed_dir(svc: Services, model: str) -> Path:
    where = svc.settings.vault.sealed_models.get(model)
    if where is None or model not in svc.settings.models:
        raise HTTPException(404, f"no sealed weights for model {model!r}")
    return Path(where)


async def _authorise(svc: Services, actor: str, model: str, org_id: str, what: str) -> None:
    """Fail closed: without a policy engine, or on any deny, nothing is released."""
    try:
        org = await svc.accounts.get_org(org_id)
    except AccountError as exc:
        raise HTTPException(404, str(exc)) from exc
    if svc.policy is None:
        await svc.record_admin("vault.download_refused", actor, {"model": model, "org_id": org_id, "file": what,
                                                                 "why": "no access policy in force"})
        raise HTTPException(403, "weights are released only under an access policy, and none is in force")
    decision = svc.policy.engine.decide(org_principal(org), model, "download_weights", cached=False)
    policies = [p.id for p in decision.policies]
    if not decision.allowed or org["status"] != "active":
        await svc.record_admin("vault.download_refused", actor, {"model": model, "org_id": org_id, "file": what,
                                                                 "policies": policies, "org_status": org["status"]})
        why = "; ".join(f"{p.id}: {p.reason}" for p in decision.policies) or "no policy permits it"
        raise HTTPException(403, f"download_weights refused for org {org_id} on {model}: {why}")
    await svc.record_admin("vault.download", actor, {"model": model, "org_id": org_id, "file": what,
                                                     "policies": policies})


@router.get("/{model}/manifest")
async def manifest(model: str, org_id: OrgId, actor: Admin, svc: Svc) -> dict[str, Any]:
    sealed = _sealed_dir(svc, model)
    await _authorise(svc, actor, model, org_id, "manifest.json")
    try:
        doc: dict[str, Any] = json.loads((sealed / "manifest.json").read_bytes())
        signature = (sealed / "manifest.sig").read_text().strip()
    except (OSError, ValueError) as exc:
        raise HTTPException(404, f"the sealed model {model!r} has no readable manifest") from exc
    return {"manifest": doc, "signature": signature,
            "files": [f["sealed"] for f in doc.get("files", [])]}


@router.get("/{model}/files/{index}")
async def sealed_file(model: str, index: Annotated[int, PathParam(ge=0, le=1_000_000)], org_id: OrgId,
                      actor: Admin, svc: Svc) -> FileResponse:
    """The ``index``-th sealed file of the manifest (ciphertext, as sealed)."""
    sealed = _sealed_dir(svc, model)
    try:
        files = json.loads((sealed / "manifest.json").read_bytes())["files"]
        entry = files[index]
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise HTTPException(404, f"no sealed file {index} in {model!r}") from exc
    await _authorise(svc, actor, model, org_id, entry["sealed"])
    return FileResponse(sealed / entry["sealed"], media_type="application/octet-stream",
                        filename=Path(entry["sealed"]).name)
