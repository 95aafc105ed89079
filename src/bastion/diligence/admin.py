"""Admin routes for due diligence: onboarding, KYC records, screening, the review queue, tiers.

The officer is the admin actor (``X-Bastion-Actor`` header); every change is audit-logged."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from bastion.diligence.kyc import KycError
from bastion.diligence.review import HitStatus, ReviewVerdict
from bastion.diligence.screening.loaders import ListFormatError
from bastion.diligence.screening.model import Subject
from bastion.diligence.screening.service import ScreeningUnavailable
from bastion.diligence.workflow import Diligence, DiligenceError
from bastion.gateway.admin import get_services, missing_or_conflict, require_admin
from bastion.services import Services
from bastion.store.accounts import AccountError

router = APIRouter(prefix="/admin", tags=["diligence"])
Admin = Annotated[str, Depends(require_admin)]
Svc = Annotated[Services, Depends(get_services)]
T = TypeVar("T")

Country = Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]
IsoDate = Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
Text300 = Annotated[str, Field(min_length=1, max_length=300, pattern=r"\S")]
Kind = Literal["person", "organization", "vessel", "aircraft", "unknown"]


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    legal_name: Text300 | None = None
    other_names: list[Text300] = Field(default_factory=list, max_length=50)
    country: Country | None = None
    registration_number: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=2000)
    website: str | None = Field(None, max_length=300)
    use_case: str | None = Field(None, max_length=2000)


class OwnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text300
    share: float = Field(gt=0, le=100)
    nationality: Country | None = None
    birth_date: IsoDate | None = None


class AttestationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    no_weapons: bool
    no_mass_surveillance: bool


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Annotated[str, Field(min_length=1, max_length=64)]
    reference: Text300
    note: str | None = Field(None, max_length=2000)


class OnboardingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text300
    profile: ProfileIn = Field(default_factory=ProfileIn)
    owners: list[OwnerIn] = Field(default_factory=list, max_length=100)
    attestation: AttestationIn | None = None


class TierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tier: int = Field(ge=0, le=3)
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S")]
    programme: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: ReviewVerdict
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S")]


class ScreenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text300
    type: Kind = "unknown"
    country: Country | None = None
    birth_date: Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?|/\d{4})?$")] | None = None  # or a range
    identifiers: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=80)]] = Field(
        default_factory=dict, max_length=20)  # {"passport": "A1234567", "imo": "9187629"}


def _diligence(svc: Services) -> Diligence:
    if svc.diligence is None:
        raise HTTPException(404, "the diligence capability is not enabled")
    diligence: Diligence = svc.diligence
    return diligence


async def _run(op: Awaitable[T]) -> T:
    """Map domain errors to HTTP: unknown things 404, refused changes 409, no lists 503."""
    try:
        return await op
    except ScreeningUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc
    except (AccountError, KycError, DiligenceError) as exc:
        raise missing_or_conflict(exc) from exc


@router.post("/onboarding", status_code=201)
async def onboard(body: OnboardingIn, actor: Admin, svc: Svc) -> dict[str, Any]:
    d = _diligence(svc)
    profile = body.profile.model_dump(exclude_none=True)
    owners = [o.model_dump() for o in body.owners]
    attested = body.attestation is not None and body.attestation.no_weapons and body.attestation.no_mass_surveillance
    if body.attestation is not None and not attested:
        raise HTTPException(422, "the end-use attestation must confirm both: no weapons, no mass surveillance")
    return await _run(d.onboard(body.name, profile, owners, attested, actor))


@router.get("/orgs/{org_id}/kyc")
async def dossier(org_id: str, _: Admin, svc: Svc) -> dict[str, Any]:
    return await _run(_diligence(svc).dossier(org_id))


@router.put("/orgs/{org_id}/kyc")
async def put_profile(org_id: str, body: ProfileIn, actor: Admin, svc: Svc) -> dict[str, Any]:
    return await _run(_diligence(svc).put_profile(org_id, body.model_dump(exclude_none=True), actor))


@router.post("/orgs/{org_id}/attestation", status_code=204)
async def attest(org_id: str, body: AttestationIn, actor: Admin, svc: Svc) -> None:
    await _run(_diligence(svc).attest(org_id, body.no_weapons, body.no_mass_surveillance, actor))


@router.post("/orgs/{org_id}/owners", status_code=201)
async def add_owner(org_id: str, body: OwnerIn, actor: Admin, svc: Svc) -> dict[str, Any]:
    return await _run(_diligence(svc).add_owner(org_id, body.name, body.share, actor, body.nationality,
                                                body.birth_date))


@router.post("/orgs/{org_id}/documents", status_code=201)
async def add_document(org_id: str, body: DocumentIn, actor: Admin, svc: Svc) -> dict[str, Any]:
    return await _run(_diligence(svc).add_document(org_id, body.kind, body.reference, actor, body.note))


@router.post("/orgs/{org_id}/screen")
async def screen_org(org_id: str, actor: Admin, svc: Svc) -> dict[str, Any]:
    outcome = await _run(_diligence(svc).screen_org(org_id, actor, "on demand"))
    return outcome.as_dict()


@router.post("/orgs/{org_id}/tier")
async def change_tier(org_id: str, body: TierIn, actor: Admin, svc: Svc) -> dict[str, Any]:
    return await _run(_diligence(svc).change_tier(org_id, body.tier, actor, body.reason, body.programme))


@router.get("/screening/hits")
async def review_queue(_: Admin, svc: Svc, status: HitStatus = HitStatus.OPEN,
                       org_id: str | None = None) -> list[dict[str, Any]]:
    return await _diligence(svc).kyc.hits(org_id=org_id, status=status)


@router.post("/screening/hits/{hit_id}/decision")
async def decide(hit_id: str, body: DecisionIn, actor: Admin, svc: Svc) -> dict[str, Any]:
    return await _run(_diligence(svc).decide(hit_id, body.verdict, body.reason, actor))


@router.post("/screening/screen")
async def screen_name(body: ScreenIn, _: Admin, svc: Svc) -> dict[str, Any]:
    d = _diligence(svc)
    try:
        result = d.screening.screen(Subject(body.name, body.type, body.country.lower() if body.country else None,
                                            body.birth_date, tuple(body.identifiers.items())))
    except ScreeningUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc
    return {"name": body.name, **result.as_dict()}


@router.get("/screening/lists")
async def lists(_: Admin, svc: Svc) -> dict[str, Any]:
    return _diligence(svc).screening.describe()


@router.post("/screening/lists/reload")
async def reload_lists(actor: Admin, svc: Svc) -> dict[str, Any]:
    """Reload the list files now; when they changed, re-screen every org (new block hits suspend)."""
    d = _diligence(svc)
    try:
        changed = await d.screening.load()
    except ScreeningUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc
    except ListFormatError as exc:
        await svc.record_admin("screening.lists_refused", actor, {"error": str(exc)[:500]})
        raise HTTPException(422, f"list update refused, previous lists stay in use: {exc}") from exc
    await svc.record_admin("screening.lists_loaded", actor, {"version": d.screening.version, "changed": changed})
    result: dict[str, Any] = {"changed": changed, **d.screening.describe()}
    if changed and d.screening.settings.rescreen_on_update:
        result["rescreen"] = await _run(d.rescreen_all(actor))
    return result
