"""Due diligence as a workflow: onboarding, screening of an org and its owners, the review queue,
tier changes, and re-screening everyone when the lists change.

State lives on the org row (``tier``, ``screening_state``, ``status``), which the account gate
and the Cedar policy already read; hits, owners and the tier history live in the KYC tables.
Every change is appended to the audit log through ``record`` (the services' admin recorder).

Screening state of an org, from its open and decided hits:

* ``block``  an open block hit, a confirmed match on the org itself, or owners confirmed or
             blocked on a list who together hold 50% or more (OFAC's 50% rule);
* ``review`` any other open hit;
* ``clear``  nothing open (false positives decided by an officer are remembered per list entry
             and subject name, and are not raised again).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bastion.diligence.kyc import KycError, KycStore, new_id, now
from bastion.diligence.review import REVIEW_VERDICTS, HitStatus, ScreeningState
from bastion.diligence.screening.model import ScreeningHit, Subject
from bastion.diligence.screening.names import normalise
from bastion.diligence.screening.service import ScreeningService
from bastion.diligence.tiers import OrgFacts, TierError, check_transition
from bastion.store.accounts import AccountStore, OrgStatus

Recorder = Callable[[str, str, dict[str, Any]], Awaitable[None]]
SYSTEM = "system:screening"
MAJORITY = 50.0


class DiligenceError(ValueError):
    """A diligence operation that cannot be done, said plainly."""


@dataclass(frozen=True, slots=True)
class ScreeningOutcome:
    org_id: str
    state: ScreeningState
    new_hits: int
    suspended: bool
    listed_ownership: float  # percent held by owners with a block or confirmed hit

    def as_dict(self) -> dict[str, Any]:
        return {"org_id": self.org_id, "screening_state": self.state, "new_hits": self.new_hits,
                "suspended": self.suspended, "listed_ownership": round(self.listed_ownership, 4)}


def _name_key(name: str) -> str:
    toks = normalise(name)
    return " ".join(sorted(toks[0])) if toks else name.strip().lower()


def _listed(hit: dict[str, Any]) -> bool:
    """A hit that counts as listed: confirmed by an officer, or a matcher block nobody has cleared yet."""
    status = hit["status"]
    return bool(status == HitStatus.TRUE_MATCH or (status == HitStatus.OPEN and hit["decision"] == "block"))


def screening_state(hits: list[dict[str, Any]], owners: list[dict[str, Any]]) -> tuple[ScreeningState, float]:
    """The org's state from its hits (pure). Returns the state and the listed ownership share."""
    share = {o["id"]: float(o["share"]) for o in owners}
    listed_owners = {h["subject"][6:] for h in hits if h["subject"].startswith("owner:")
                     and _listed(h)}
    listed_share = sum(share.get(o, 0.0) for o in listed_owners)
    org_listed = any(h["subject"] == "org" and _listed(h) for h in hits)
    if org_listed or listed_share >= MAJORITY:
        return ScreeningState.BLOCK, listed_share
    if any(h["status"] == HitStatus.OPEN for h in hits):
        return ScreeningState.REVIEW, listed_share
    return ScreeningState.CLEAR, listed_share


class Diligence:
    def __init__(self, accounts: AccountStore, kyc: KycStore, screening: ScreeningService, record: Recorder,
                 suspend_on_block: bool = True, activate_on_clear: bool = True) -> None:
        self.accounts = accounts
        self.kyc = kyc
        self.screening = screening
        self.record = record
        self.suspend_on_block = suspend_on_block
        self.activate_on_clear = activate_on_clear

    # -- records ------------------------------------------------------------------------------
    async def put_profile(self, org_id: str, fields: dict[str, Any], actor: str) -> dict[str, Any]:
        await self.accounts.get_org(org_id)
        profile = await self.kyc.put_profile(org_id, fields)
        changes: dict[str, Any] = {}
        if fields.get("country"):
            changes["country"] = str(fields["country"]).upper()
        if fields.get("use_case"):
            changes["declared_use"] = fields["use_case"]
        if changes:
            await self.accounts.update_org(org_id, **changes)
        await self.record("kyc.profile_updated", actor, {"org_id": org_id, "fields": sorted(fields)})
        return profile

    async def attest(self, org_id: str, no_weapons: bool, no_mass_surveillance: bool, actor: str) -> None:
        if not (no_weapons and no_mass_surveillance):
            raise DiligenceError("the end-use attestation must confirm both: no weapons, no mass surveillance")
        await self.kyc.attest(org_id, {"no_weapons": True, "no_mass_surveillance": True}, actor)
        await self.record("kyc.attested", actor, {"org_id": org_id})

    async def add_owner(self, org_id: str, name: str, share: float, actor: str, nationality: str | None = None,
                        birth_date: str | None = None) -> dict[str, Any]:
        await self.accounts.get_org(org_id)
        owner = await self.kyc.add_owner(org_id, name, share, nationality, birth_date)
        await self.record("kyc.owner_added", actor, {"org_id": org_id, "owner_id": owner["id"], "share": share})
        return owner

    async def add_document(self, org_id: str, kind: str, reference: str, actor: str,
                           note: str | None = None) -> dict[str, Any]:
        await self.accounts.get_org(org_id)
        doc = await self.kyc.add_document(org_id, kind, reference, actor, note)
        await self.record("kyc.document_reviewed", actor, {"org_id": org_id, "document_id": doc["id"], "kind": kind})
        return doc

    async def dossier(self, org_id: str) -> dict[str, Any]:
        org = await self.accounts.get_org(org_id)
        return {"org": org, "profile": await self.kyc.get_profile(org_id), "owners": await self.kyc.owners(org_id),
                "documents": await self.kyc.documents(org_id), "tier_history": await self.kyc.transitions(org_id),
                "hits": await self.kyc.hits(org_id=org_id)}

    # -- tiers --------------------------------------------------------------------------------
    async def change_tier(self, org_id: str, to_tier: int, actor: str, reason: str,
                          programme: str | None = None) -> dict[str, Any]:
        org = await self.accounts.get_org(org_id)
        profile = await self.kyc.get_profile(org_id)
        programmes = tuple(org["programmes"]) + ((programme,) if programme else ())
        facts = OrgFacts(org["tier"], org["screening_state"], profile is not None,
                         bool(profile and profile["attested_at"]), len(await self.kyc.documents(org_id)), programmes)
        try:
            check_transition(facts, to_tier, actor, reason)
        except TierError as exc:
            await self.record("kyc.tier_refused", actor, {"org_id": org_id, "from": org["tier"], "to": to_tier,
                                                          "why": str(exc)})
            raise DiligenceError(str(exc)) from exc
        changes: dict[str, Any] = {"tier": to_tier}
        if programme and programme not in org["programmes"]:
            changes["programmes"] = [*org["programmes"], programme]
        updated = await self.accounts.update_org(org_id, **changes)
        await self.kyc.record_transition(org_id, org["tier"], to_tier, actor, reason)
        await self.record("kyc.tier_changed", actor, {"org_id": org_id, "from": org["tier"], "to": to_tier,
                                                      "reason": reason})
        return updated

    # -- screening ----------------------------------------------------------------------------
    def _subjects(self, org: dict[str, Any], profile: dict[str, Any] | None,
                  owners: list[dict[str, Any]]) -> list[tuple[str, Subject]]:
        country = (profile or {}).get("country") or org.get("country")
        names = [org["name"]]
        if profile:
            names += [profile["legal_name"], *profile.get("other_names", [])]
        subjects = [("org", Subject(n, "organization", country.lower() if country else None))
                    for n in dict.fromkeys(n for n in names if n and n.strip())]
        for o in owners:
            subjects.append((f"owner:{o['id']}", Subject(o["name"], "person",
                                                          o["nationality"].lower() if o["nationality"] else None,
                                                          o["birth_date"])))
        return subjects

    async def screen_org(self, org_id: str, actor: str, reason: str = "on demand") -> ScreeningOutcome:
        self.screening.require_ready()
        org = await self.accounts.get_org(org_id)
        profile = await self.kyc.get_profile(org_id)
        owners = await self.kyc.owners(org_id)
        existing = await self.kyc.hits(org_id=org_id)
        known = {(h["subject"], _name_key(h["subject_name"]), h["list_id"], h["entity_id"]) for h in existing}
        new_rows: list[dict[str, Any]] = []
        for subject_ref, subject in self._subjects(org, profile, owners):
            for hit in self.screening.screen(subject).hits:
                key = (subject_ref, _name_key(subject.name), hit.list_id, hit.entity_id)
                if key in known:  # already open, confirmed, or remembered as a false positive
                    continue
                known.add(key)
                new_rows.append(self._hit_row(org_id, subject_ref, subject.name, hit))
        await self.kyc.add_hits(new_rows)
        for row in new_rows:
            await self.record("screening.hit", SYSTEM, {k: row[k] for k in (
                "org_id", "id", "subject", "list_id", "entity_id", "score", "decision")})
        outcome = await self._settle(org_id, actor, reason, len(new_rows))
        await self.record("screening.screened", actor, {**outcome.as_dict(), "reason": reason,
                                                        "lists_version": self.screening.version})
        return outcome

    def _hit_row(self, org_id: str, subject_ref: str, subject_name: str, hit: ScreeningHit) -> dict[str, Any]:
        return {"id": new_id("hit"), "org_id": org_id, "subject": subject_ref, "subject_name": subject_name,
                "list_id": hit.list_id, "entity_id": hit.entity_id, "entry_name": hit.entry_name[:500],
                "matched_name": hit.matched_name[:500], "score": round(hit.score, 4), "decision": hit.decision,
                "explanation": hit.explain(), "features": dict(hit.features), "status": HitStatus.OPEN,
                "lists_version": self.screening.version, "created_at": now()}

    async def _settle(self, org_id: str, actor: str, reason: str, new_hits: int) -> ScreeningOutcome:
        """Recompute the org's screening state and act on it: suspend on block, reinstate an org
        that screening (not an officer) suspended once it is clear, move T0 to T1 when clear."""
        org = await self.accounts.get_org(org_id)
        state, listed = screening_state(await self.kyc.hits(org_id=org_id), await self.kyc.owners(org_id))
        profile = await self.kyc.get_profile(org_id)
        suspended = False
        changes: dict[str, Any] = {}
        if state != org["screening_state"]:
            changes["screening_state"] = state
        if state == ScreeningState.BLOCK and self.suspend_on_block and org["status"] == OrgStatus.ACTIVE:
            changes["status"] = OrgStatus.SUSPENDED
            suspended = True
        if changes:
            await self.accounts.update_org(org_id, **changes)
        if suspended:
            if profile:
                await self.kyc.set_screening_suspended(org_id, True)
            await self.record("org.suspended", SYSTEM, {"org_id": org_id, "why": "denied-party screening block",
                                                        "listed_ownership": listed})
        by_screening = bool(profile and profile["screening_suspended"])
        if state == ScreeningState.CLEAR and org["status"] == OrgStatus.SUSPENDED and by_screening:
            await self.accounts.update_org(org_id, status=OrgStatus.ACTIVE)
            await self.kyc.set_screening_suspended(org_id, False)
            await self.record("org.reinstated", actor, {"org_id": org_id, "why": "screening hits resolved"})
        if state == ScreeningState.CLEAR and org["tier"] == 0:
            await self.change_tier(org_id, 1, SYSTEM, f"screened clear ({reason})")
        return ScreeningOutcome(org_id, state, new_hits, suspended, listed)

    async def decide(self, hit_id: str, verdict: str, reason: str, actor: str) -> dict[str, Any]:
        """An officer's decision on an open hit: ``true_match`` or ``false_positive``."""
        if verdict not in REVIEW_VERDICTS:
            raise DiligenceError("the verdict is " + " or ".join(REVIEW_VERDICTS))
        if not reason.strip():
            raise DiligenceError("a review decision needs a reason")
        try:
            hit = await self.kyc.decide_hit(hit_id, HitStatus(verdict), actor, reason)
        except KycError as exc:
            raise DiligenceError(str(exc)) from exc
        await self.record("screening.reviewed", actor, {"hit_id": hit_id, "org_id": hit["org_id"],
                                                        "verdict": verdict, "reason": reason})
        outcome = await self._settle(hit["org_id"], actor, f"review of {hit_id}", 0)
        return {"hit": hit, "outcome": outcome.as_dict()}

    async def rescreen_all(self, actor: str = SYSTEM) -> dict[str, Any]:
        """After a list update: every org that is not closed, and its owners."""
        summary = {"orgs": 0, "new_hits": 0, "suspended": [], "lists_version": self.screening.version}
        offset = 0
        while True:
            batch = await self.accounts.list_orgs(limit=500, offset=offset)
            if not batch:
                break
            offset += len(batch)
            for org in batch:
                if org["status"] == OrgStatus.CLOSED:
                    continue
                outcome = await self.screen_org(org["id"], actor, "list update")
                summary["orgs"] += 1  # type: ignore[operator]
                summary["new_hits"] += outcome.new_hits  # type: ignore[operator]
                if outcome.suspended:
                    summary["suspended"].append(org["id"])  # type: ignore[attr-defined]
        await self.record("screening.rescreened", actor, summary)
        return summary

    async def onboard(self, name: str, profile: dict[str, Any], owners: list[dict[str, Any]],
                      attest: bool, actor: str) -> dict[str, Any]:
        """Create a pending org with its KYC records, screen it, and activate it at T1 when clear.
        Without lists nothing is created: an org that cannot be screened is not onboarded."""
        self.screening.require_ready()
        org = await self.accounts.create_org(name, status=OrgStatus.PENDING, country=profile.get("country"),
                                             declared_use=profile.get("use_case"))
        await self.record("org.created", actor, {"org_id": org["id"], "name": name, "via": "onboarding"})
        await self.put_profile(org["id"], {"legal_name": name, **profile}, actor)
        for o in owners:
            await self.add_owner(org["id"], o["name"], o["share"], actor, o.get("nationality"), o.get("birth_date"))
        if attest:
            await self.attest(org["id"], True, True, actor)
        outcome = await self.screen_org(org["id"], actor, "onboarding")
        if outcome.state == ScreeningState.CLEAR and self.activate_on_clear:
            await self.accounts.update_org(org["id"], status=OrgStatus.ACTIVE)
            await self.record("org.activated", SYSTEM, {"org_id": org["id"], "why": "onboarding screened clear"})
        return {"org": await self.accounts.get_org(org["id"]), "screening": outcome.as_dict()}
