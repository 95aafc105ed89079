"""End to end through the gateway: an org onboarded clear works; the lists change so that it is
listed; the re-screen suspends it and its next request is refused; every step is in the audit log."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import openai
import orjson
import pytest

from tests.audit.test_gateway_audit import records
from tests.helpers import Running, running_gateway

LISTED = b'{"id":"NK-1","schema":"Company","properties":{"name":["Zenith Maritime Logistics LLC"]}}\n'
UPDATED = LISTED + b'{"id":"NK-2","schema":"Company","properties":{"name":["Aurora Quantum Systems JSC"]}}\n'


def ask(gw: Running, key: str) -> str:
    c = openai.OpenAI(base_url=gw.v1, api_key=key, max_retries=0)
    r = c.chat.completions.create(model="demo-model", messages=[{"role": "user", "content": "hello"}])
    return r.choices[0].message.content or ""


def onboard(gw: Running, name: str) -> tuple[str, str]:
    h = {**gw.admin_headers, "X-Bastion-Actor": "officer-ana"}
    r = httpx.post(gw.url + "/admin/onboarding", headers=h, json={
        "name": name, "profile": {"country": "GB", "registration_number": "09876543", "use_case": "research"},
        "owners": [{"name": "Alice Moreton", "share": 100, "nationality": "GB"}],
        "attestation": {"no_weapons": True, "no_mass_surveillance": True}})
    assert r.status_code == 201, r.text
    org = r.json()["org"]
    assert org["status"] == "active" and org["tier"] == 1 and org["screening_state"] == "clear"
    key = httpx.post(gw.url + f"/admin/orgs/{org['id']}/keys", headers=h, json={"name": "k"}).json()["key"]
    return org["id"], key


@pytest.fixture
def lists(tmp_path: Path) -> Path:
    path = tmp_path / "entities.ftm.json"
    path.write_bytes(LISTED)
    return path


def test_org_that_becomes_listed_is_refused_on_its_next_request(sqlite_url: str, lists: Path) -> None:
    with running_gateway(sqlite_url, screening={"lists": [str(lists)], "watch_interval_s": 0}) as gw:
        org_id, key = onboard(gw, "Aurora Quantum Systems Ltd")
        assert "hello" in ask(gw, key)
        lists.write_bytes(UPDATED)
        r = httpx.post(gw.url + "/admin/screening/lists/reload", headers=gw.admin_headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["changed"] and body["rescreen"]["suspended"] == [org_id]
        with pytest.raises(openai.PermissionDeniedError) as err:
            ask(gw, key)
        assert err.value.code == "org_suspended"  # type: ignore[attr-defined]
        queue = httpx.get(gw.url + "/admin/screening/hits", headers=gw.admin_headers).json()
        assert [(h["org_id"], h["entity_id"], h["decision"]) for h in queue] == [(org_id, "NK-2", "block")]
        # the officer confirms it is not the listed company: reinstated, requests work again
        d = httpx.post(gw.url + f"/admin/screening/hits/{queue[0]['id']}/decision",
                       headers={**gw.admin_headers, "X-Bastion-Actor": "officer-ana"},
                       json={"verdict": "false_positive", "reason": "registry shows a different company"})
        assert d.status_code == 200 and d.json()["outcome"]["screening_state"] == "clear"
        assert "hello" in ask(gw, key)
    actions = [(r.get("action"), r.get("actor")) for r in records(sqlite_url) if r.get("kind") == "admin"]
    for expected in [("org.created", "admin:officer-ana"), ("screening.screened", "admin:officer-ana"),
                     ("screening.lists_loaded", "admin"), ("screening.hit", "system:screening"),
                     ("org.suspended", "system:screening"), ("screening.reviewed", "admin:officer-ana"),
                     ("org.reinstated", "admin:officer-ana")]:
        assert expected in actions, (expected, actions)


def test_list_watcher_rescreens_without_an_operator(sqlite_url: str, lists: Path) -> None:
    with running_gateway(sqlite_url, screening={"lists": [str(lists)], "watch_interval_s": 0.1}) as gw:
        org_id, key = onboard(gw, "Aurora Quantum Systems Ltd")
        lists.write_bytes(UPDATED)
        deadline = time.monotonic() + 15
        status = "active"
        while time.monotonic() < deadline and status == "active":
            time.sleep(0.1)
            status = httpx.get(gw.url + f"/admin/orgs/{org_id}", headers=gw.admin_headers).json()["status"]
        assert status == "suspended"
        with pytest.raises(openai.PermissionDeniedError):
            ask(gw, key)


def test_admin_screening_routes_and_errors(sqlite_url: str, lists: Path) -> None:
    with running_gateway(sqlite_url, screening={"lists": [str(lists)], "watch_interval_s": 0}) as gw:
        h = gw.admin_headers
        one = httpx.post(gw.url + "/admin/screening/screen", headers=h,
                         json={"name": "Zenith Maritime Logistics", "type": "organization"})
        assert one.status_code == 200 and one.json()["decision"] == "block"
        assert one.json()["matches"][0]["entity_id"] == "NK-1"
        assert httpx.post(gw.url + "/admin/screening/screen", json={"name": "x"}).status_code == 401
        assert httpx.post(gw.url + "/admin/screening/screen", headers=h, json={"name": ""}).status_code == 400
        assert httpx.get(gw.url + "/admin/orgs/org_missing/kyc", headers=h).status_code == 404
        assert httpx.post(gw.url + "/admin/screening/hits/hit_missing/decision", headers=h,
                          json={"verdict": "true_match", "reason": "r"}).status_code == 404
        lists.write_bytes(LISTED + b"{broken\n")
        bad = httpx.post(gw.url + "/admin/screening/lists/reload", headers=h)
        assert bad.status_code == 422 and "entities.ftm.json:2" in bad.json()["error"]["message"]
        info = httpx.get(gw.url + "/admin/screening/lists", headers=h).json()
        assert info["ready"] and info["lists"][0]["entries"] == 1 and info["last_error"]
        org = gw.orgs["active"]["id"]
        t = httpx.post(gw.url + f"/admin/orgs/{org}/tier", headers=h, json={"tier": 3, "reason": "x"})
        assert t.status_code == 409 and "screening must be clear" in t.json()["error"]["message"]
        put = httpx.put(gw.url + f"/admin/orgs/{org}/kyc", headers=h, json={"legal_name": "Active Org Ltd",
                                                                             "country": "FR"})
        assert put.status_code == 200 and put.json()["legal_name"] == "Active Org Ltd"
        assert orjson.loads(httpx.get(gw.url + f"/admin/orgs/{org}/kyc", headers=h).content)["org"]["country"] == "FR"


def test_onboarding_without_lists_is_refused(sqlite_url: str) -> None:
    with running_gateway(sqlite_url) as gw:
        r = httpx.post(gw.url + "/admin/onboarding", headers=gw.admin_headers, json={"name": "No Lists Ltd"})
        assert r.status_code == 503 and "no sanctions lists" in r.json()["error"]["message"]
