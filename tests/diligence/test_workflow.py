"""The diligence workflow on SQLite and PostgreSQL: onboarding, owners and the 50% rule, the review
queue with remembered false positives, tiers, and re-screening after a list update."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from bastion.diligence.kyc import KycStore
from bastion.diligence.screening.service import ScreeningService
from bastion.diligence.settings import ScreeningSettings
from bastion.diligence.workflow import Diligence, DiligenceError, screening_state
from bastion.store.accounts import AccountStore
from bastion.store.db import create_engine
from bastion.store.migrate import upgrade_async

SECRET = "test-server-secret-0123456789abcdef"


def ftm(*entities: tuple[str, str, str]) -> bytes:
    return b"".join(orjson.dumps({"id": i, "schema": schema, "properties": {"name": [name]}}) + b"\n"
                    for i, schema, name in entities)


LISTED = [("P-1", "Person", "Viktor Anatolyevich Bout"), ("P-2", "Person", "Farhad Karimi Nasseri"),
          ("P-3", "Person", "Olga Viktoria Lebedeva"), ("C-1", "Company", "Northwind Dual-Use Trading LLC")]


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    async def __call__(self, action: str, actor: str, details: dict[str, Any]) -> None:
        self.events.append((action, actor, details))

    def actions(self) -> list[str]:
        return [a for a, _, _ in self.events]


async def setup(db_url: str, tmp_path: Path, entities: list[tuple[str, str, str]] = LISTED
                ) -> tuple[Diligence, Recorder, Path]:
    await upgrade_async(db_url)
    engine = create_engine(db_url)
    lists = tmp_path / "lists.ftm.json"
    lists.write_bytes(ftm(*entities))
    screening = ScreeningService(ScreeningSettings(lists=[str(lists)]))
    await screening.load()
    rec = Recorder()
    return Diligence(AccountStore(engine, SECRET, cache_ttl_s=0), KycStore(engine), screening, rec), rec, lists


async def test_onboarding_clear_org_becomes_active_at_t1(db_url: str, tmp_path: Path) -> None:
    d, rec, _ = await setup(db_url, tmp_path)
    out = await d.onboard("Harbour Analytics Ltd", {"country": "GB", "registration_number": "0123",
                                                    "use_case": "contract review"},
                          [{"name": "Alice Moreton", "share": 60.0, "nationality": "GB"}], True, "admin:officer")
    org = out["org"]
    assert out["screening"]["screening_state"] == "clear" and org["status"] == "active" and org["tier"] == 1
    dossier = await d.dossier(org["id"])
    assert dossier["profile"]["legal_name"] == "Harbour Analytics Ltd" and dossier["profile"]["attested_by"]
    assert [(t["from_tier"], t["to_tier"], t["actor"]) for t in dossier["tier_history"]] == [
        (0, 1, "system:screening")]
    assert {"org.created", "kyc.profile_updated", "kyc.owner_added", "kyc.attested", "screening.screened",
            "kyc.tier_changed", "org.activated"} <= set(rec.actions())
    await d.accounts.engine.dispose()


async def test_listed_org_is_blocked_at_onboarding(db_url: str, tmp_path: Path) -> None:
    d, _, _ = await setup(db_url, tmp_path)
    out = await d.onboard("Northwind Dual Use Trading Limited", {"country": "IR"}, [], True, "admin")
    assert out["screening"]["screening_state"] == "block" and out["org"]["status"] == "pending"
    assert out["org"]["tier"] == 0
    hits = await d.kyc.hits(org_id=out["org"]["id"])
    assert len(hits) == 1 and hits[0]["entity_id"] == "C-1" and hits[0]["decision"] == "block"
    assert "Northwind Dual-Use Trading LLC" in hits[0]["explanation"]
    await d.accounts.engine.dispose()


async def test_fifty_percent_rule(db_url: str, tmp_path: Path) -> None:
    d, _, _ = await setup(db_url, tmp_path)
    owners = [{"name": "Farhad Nasseri", "share": 30.0}, {"name": "Viktor Anatolyevich Bout", "share": 25.0},
              {"name": "Jane Clean", "share": 45.0}]
    out = await d.onboard("Blue Lagoon Shipping SA", {}, owners, True, "admin")
    # Bout is an exact match (block, 25%); "Farhad Nasseri" lacks the middle name (review, 30%)
    assert out["screening"]["screening_state"] == "review"
    assert out["screening"]["listed_ownership"] == pytest.approx(25.0)
    nasseri = next(h for h in await d.kyc.hits(org_id=out["org"]["id"]) if h["entity_id"] == "P-2")
    assert nasseri["decision"] == "review"
    decided = await d.decide(nasseri["id"], "true_match", "passport matches", "admin:officer")
    assert decided["outcome"]["screening_state"] == "block"
    assert decided["outcome"]["listed_ownership"] == pytest.approx(55.0)
    # the same two owners with less than half between them: hits to review, not a block
    out2 = await d.onboard("Green Reef Shipping SA", {}, [{"name": "Farhad Nasseri", "share": 30.0},
                                                           {"name": "Jane Clean", "share": 70.0}], True, "admin")
    assert out2["screening"]["screening_state"] == "review" and out2["org"]["status"] == "pending"
    await d.accounts.engine.dispose()


def test_screening_state_rules() -> None:
    owners = [{"id": "a", "share": 50.0}, {"id": "b", "share": 50.0}]
    hit = {"subject": "owner:a", "status": "true_match", "decision": "review"}
    assert screening_state([hit], owners) == ("block", 50.0)
    assert screening_state([{**hit, "status": "false_positive"}], owners) == ("clear", 0.0)
    assert screening_state([{**hit, "status": "open"}], owners) == ("review", 0.0)
    assert screening_state([{"subject": "org", "status": "open", "decision": "block"}], owners)[0] == "block"


async def test_review_decisions_are_remembered(db_url: str, tmp_path: Path) -> None:
    d, rec, _ = await setup(db_url, tmp_path)
    out = await d.onboard("Lebedeva Design Studio", {}, [{"name": "Olga Lebedeva", "share": 100.0}], True, "admin")
    org_id = out["org"]["id"]
    assert out["screening"]["screening_state"] == "review"
    [hit] = await d.kyc.hits(status="open")
    with pytest.raises(DiligenceError, match="needs a reason"):
        await d.decide(hit["id"], "false_positive", " ", "admin:officer")
    decided = await d.decide(hit["id"], "false_positive", "different person: born 1990, Riga", "admin:officer")
    assert decided["outcome"]["screening_state"] == "clear"
    org = await d.accounts.get_org(org_id)
    assert org["screening_state"] == "clear" and org["tier"] == 1
    again = await d.screen_org(org_id, "admin", "on demand")
    assert again.new_hits == 0 and again.state == "clear"  # the false positive is not raised again
    with pytest.raises(DiligenceError, match="already decided"):
        await d.decide(hit["id"], "true_match", "changed my mind", "admin")
    assert "screening.reviewed" in rec.actions()
    await d.accounts.engine.dispose()


async def test_tier_state_machine(db_url: str, tmp_path: Path) -> None:
    d, _, _ = await setup(db_url, tmp_path)
    out = await d.onboard("Meridian Health Research", {"country": "DE"}, [], False, "admin")
    org_id = out["org"]["id"]
    with pytest.raises(DiligenceError, match="one step at a time"):
        await d.change_tier(org_id, 3, "admin:officer", "fast track")
    with pytest.raises(DiligenceError, match="end-use attestation, a reviewed document"):
        await d.change_tier(org_id, 2, "admin:officer", "verified")
    await d.attest(org_id, True, True, "admin:officer")
    await d.add_document(org_id, "certificate_of_incorporation", "dms://kyc/123", "admin:officer")
    with pytest.raises(DiligenceError, match="officer"):
        await d.change_tier(org_id, 2, "system:screening", "verified")
    org = await d.change_tier(org_id, 2, "admin:officer", "documents verified on call")
    assert org["tier"] == 2
    with pytest.raises(DiligenceError, match="lawful-use programme"):
        await d.change_tier(org_id, 3, "admin:officer", "ministry")
    org = await d.change_tier(org_id, 3, "admin:officer", "ministry contract 42", "government_lawful_use")
    assert org["tier"] == 3 and "government_lawful_use" in org["programmes"]
    org = await d.change_tier(org_id, 1, "admin:officer", "contract ended")
    history = [(t["from_tier"], t["to_tier"]) for t in await d.kyc.transitions(org_id)]
    assert history == [(0, 1), (1, 2), (2, 3), (3, 1)]
    await d.accounts.engine.dispose()


async def test_list_update_rescreens_and_suspends(db_url: str, tmp_path: Path) -> None:
    d, rec, lists = await setup(db_url, tmp_path)
    out = await d.onboard("Aurora Quantum Systems", {}, [], True, "admin")
    other = await d.onboard("Harbour Analytics Ltd", {}, [], True, "admin")
    org_id = out["org"]["id"]
    assert out["org"]["status"] == "active"
    lists.write_bytes(ftm(*LISTED, ("C-9", "Company", "Aurora Quantum Systems JSC")))
    assert await d.screening.load()
    summary = await d.rescreen_all()
    assert summary["orgs"] == 2 and summary["suspended"] == [org_id] and summary["new_hits"] == 1
    org = await d.accounts.get_org(org_id)
    assert org["status"] == "suspended" and org["screening_state"] == "block"
    assert (await d.accounts.get_org(other["org"]["id"]))["status"] == "active"
    assert ("org.suspended", "system:screening") in [(a, who) for a, who, _ in rec.events]
    # an officer finds it is not the listed company: the org is reinstated
    [hit] = await d.kyc.hits(status="open")
    await d.decide(hit["id"], "false_positive", "different company (registry check)", "admin:officer")
    org = await d.accounts.get_org(org_id)
    assert org["status"] == "active" and org["screening_state"] == "clear"
    await d.accounts.engine.dispose()


async def test_broken_list_update_keeps_previous_index(db_url: str, tmp_path: Path) -> None:
    from bastion.diligence.screening.loaders import ListFormatError

    d, _, lists = await setup(db_url, tmp_path)
    version = d.screening.version
    lists.write_bytes(ftm(*LISTED) + b'{"id": "broken"\n')
    with pytest.raises(ListFormatError, match=":5: malformed JSON"):
        await d.screening.load()
    assert d.screening.version == version and d.screening.ready
    assert d.screening.describe()["last_error"]
    await d.accounts.engine.dispose()


async def test_owner_shares_cannot_exceed_100(db_url: str, tmp_path: Path) -> None:
    d, _, _ = await setup(db_url, tmp_path)
    org = await d.accounts.create_org("Share Test Ltd")
    await d.add_owner(org["id"], "A Person", 70, "admin")
    from bastion.diligence.kyc import KycError

    with pytest.raises(KycError, match="more than 100%"):
        await d.add_owner(org["id"], "B Person", 40, "admin")
    await d.accounts.engine.dispose()
