"""The console in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium, no download).

The gateway runs with the console's default settings (Secure cookies: Chromium keeps them for
http://127.0.0.1, a secure context). The run saves a screenshot of each page into docs/console/.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.audit.test_gateway_audit import records as _records
from tests.console.conftest import PASSWORD, console_gateway, in_thread
from tests.helpers import Running

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("BASTION_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "console"
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def records(url: str) -> list[dict[str, Any]]:
    return in_thread(_records, url)


def _traffic(gw: Running) -> None:
    """A few decisions of each kind for the overview: allowed, refused keys, a suspended org."""
    for key, n in (("active", 4), ("revoked", 2), ("suspended", 2), ("pending", 1)):
        client = openai.OpenAI(base_url=gw.v1, api_key=gw.keys[key], max_retries=0, timeout=10)
        for _ in range(n):
            with contextlib.suppress(openai.APIStatusError):  # the refusals are the point
                client.chat.completions.create(model="demo-model", messages=[{"role": "user", "content": "hello"}])


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    for running in console_gateway(tmp_path_factory.mktemp("console")):
        _traffic(running)
        in_thread(_seed_hit, running)
        yield running


def _seed_hit(gw: Running) -> None:
    from bastion.diligence.kyc import KycStore
    from bastion.store.db import create_engine

    async def go() -> None:
        engine = create_engine(gw.settings.store.url)
        try:
            await KycStore(engine).add_hits([{
                "id": "hit_console1", "org_id": gw.orgs["pending"]["id"], "subject": "org",
                "subject_name": "Pending Org", "list_id": "demo-sdn", "entity_id": "E-1",
                "entry_name": "PENDING ORGANISATION LLC", "matched_name": "Pending Organisation",
                "score": 0.81, "decision": "review", "explanation": "name tokens agree; no country on the entry",
                "features": {"name": 0.81, "country": "absent"}, "status": "open", "lists_version": "v-test",
                "created_at": datetime.now(UTC)}])
        finally:
            await engine.dispose()

    asyncio.run(go())


def sign_in(browser: Any, gw: Running, name: str) -> Any:
    page = browser.new_context().new_page()
    page.goto(gw.url + "/console/")
    assert page.url.startswith(gw.url + "/console/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(gw.url + "/console/")
    return page


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_login_page(browser: Any, gw: Running) -> None:
    page = browser.new_context().new_page()
    page.goto(gw.url + "/console/login")
    shot(page, "login")
    page.get_by_label("Name").fill("officer")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert "wrong" in page.get_by_role("alert").inner_text()
    cookies = page.context.cookies()
    assert not any(c["name"] == "__Host-bastion-console" for c in cookies)


@pytest.mark.parametrize(("role", "allowed", "forbidden"), [
    ("officer", ["/console/", "/console/orgs", "/console/screening"], ["/console/audit", "/console/users"]),
    ("auditor", ["/console/", "/console/orgs", "/console/audit", "/console/screening"], ["/console/users"]),
    ("admin", ["/console/", "/console/orgs", "/console/users"], ["/console/audit", "/console/screening"]),
])
def test_each_role_sees_its_pages(browser: Any, gw: Running, role: str, allowed: list[str],
                                  forbidden: list[str]) -> None:
    page = sign_in(browser, gw, role)
    session = next(c for c in page.context.cookies() if c["name"] == "__Host-bastion-console")
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"
    for path in allowed:
        assert page.goto(gw.url + path).status == 200, path
    for path in forbidden:
        response = page.goto(gw.url + path)
        assert response.status == 403, path
        assert "Forbidden" in page.get_by_role("heading", level=1).inner_text()
    if role == "officer":
        shot(page, "forbidden")


def test_overview_chart_is_drawn(browser: Any, gw: Running) -> None:
    page = sign_in(browser, gw, "auditor")
    bars = page.locator("#decisions-chart svg rect.bar")
    bars.first.wait_for()
    assert bars.count() > 0
    assert page.locator("#decisions-chart svg rect.bar-allow").count() > 0
    assert page.locator("#decisions-chart svg rect.bar-deny").count() > 0
    assert page.locator("#reasons-chart svg rect.bar-reason").count() >= 2  # invalid key, suspended, pending
    assert "org_suspended" in page.locator("table").first.inner_text()
    shot(page, "overview")


def test_orgs_filters_and_org_page(browser: Any, gw: Running) -> None:
    page = sign_in(browser, gw, "auditor")
    page.goto(gw.url + "/console/orgs")
    page.get_by_label("Status").select_option("pending")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and "Pending Org" in rows.first.inner_text()
    page.get_by_label("Status").select_option("")
    page.get_by_role("button", name="Filter").click()
    shot(page, "orgs")
    page.get_by_role("link", name="Active Org").click()
    assert page.locator("#org-status").inner_text() == "active"
    assert page.get_by_role("button", name="Apply").count() == 0  # read-only role
    assert "allow" in page.locator("section", has_text="Recent decisions").inner_text()
    shot(page, "org")


def test_csrf_missing_is_403_in_the_browser_session(browser: Any, gw: Running) -> None:
    page = sign_in(browser, gw, "officer")
    org_id = gw.orgs["active"]["id"]
    r = page.context.request.post(f"{gw.url}/console/orgs/{org_id}/status",
                                  form={"status": "suspended", "reason": "no token"})
    assert r.status == 403
    page.goto(f"{gw.url}/console/orgs/{org_id}")
    assert page.locator("#org-status").inner_text() == "active"


def test_screening_hit_cleared_end_to_end(browser: Any, gw: Running) -> None:
    page = sign_in(browser, gw, "officer")
    page.goto(gw.url + "/console/screening")
    shot(page, "screening")
    hit = page.locator("article", has_text="PENDING ORGANISATION LLC")
    hit.get_by_label("Verdict").select_option("false_positive")
    hit.get_by_label("Reason").fill("different registration number and country")
    hit.get_by_role("button", name="Decide").click()
    assert "Decision recorded" in page.get_by_role("status").inner_text()
    assert page.locator("article", has_text="PENDING ORGANISATION LLC").count() == 0
    reviewed = [r for r in records(gw.settings.store.url) if r.get("action") == "screening.reviewed"]
    assert reviewed and reviewed[-1]["actor"] == "console:officer"
    assert reviewed[-1]["details"]["verdict"] == "false_positive"


def test_audit_page_verifies_and_shows_the_checkpoint(browser: Any, gw: Running) -> None:
    page = sign_in(browser, gw, "auditor")
    page.goto(gw.url + "/console/audit")
    page.get_by_label("Reason contains").fill("revoked")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert all("key_revoked" in rows.nth(i).inner_text() for i in range(2))
    page.locator("#checkpoint").wait_for()
    shot(page, "audit")
    page.get_by_role("button", name="Verify now").click()
    result = page.locator("#verify-result")
    assert "OK" in result.inner_text().upper() or "ok" in result.get_attribute("class")
    assert result.get_attribute("class") == "ok"
    shot(page, "audit-verified")


def test_users_page(browser: Any, gw: Running) -> None:
    page = sign_in(browser, gw, "admin")
    page.goto(gw.url + "/console/users")
    assert page.locator("tbody tr").count() == 3
    shot(page, "users")


def test_org_suspended_in_the_console_is_refused_on_its_next_request(browser: Any, gw: Running) -> None:
    client = openai.OpenAI(base_url=gw.v1, api_key=gw.keys["active"], max_retries=0, timeout=10)
    client.chat.completions.create(model="demo-model", messages=[{"role": "user", "content": "before"}])
    page = sign_in(browser, gw, "officer")
    org_id = gw.orgs["active"]["id"]
    page.goto(f"{gw.url}/console/orgs/{org_id}")
    page.get_by_label("New status").select_option("suspended")
    page.get_by_label("Reason (recorded in the audit log)").fill("KYC documents expired")
    page.get_by_role("button", name="Apply").click()
    assert page.locator("#org-status").inner_text() == "suspended"
    shot(page, "org-suspended")
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.chat.completions.create(model="demo-model", messages=[{"role": "user", "content": "after"}])
    assert refused.value.code == "org_suspended"
    action = [r for r in records(gw.settings.store.url) if r.get("action") == "org.suspended"][-1]
    assert action["actor"] == "console:officer"
    assert action["details"] == {"org_id": org_id, "reason": "KYC documents expired", "via": "console"}


def test_accessibility_basics(browser: Any, gw: Running) -> None:
    admin = sign_in(browser, gw, "admin")
    page = sign_in(browser, gw, "auditor")
    for who, path in (*((page, p) for p in ("/console/", "/console/orgs", f"/console/orgs/{gw.orgs['pending']['id']}",
                                            "/console/audit", "/console/screening", "/console/login")),
                      (admin, "/console/users"), (admin, f"/console/orgs/{gw.orgs['pending']['id']}")):
        who.goto(gw.url + path)
        assert who.locator("html").get_attribute("lang") == "en"
        assert who.locator("main").count() == 1
        unlabelled = who.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select')]
            .filter(e => !(e.id && document.querySelector('label[for="' + e.id + '"]'))
                         && !e.getAttribute('aria-label'))
            .map(e => e.name)""")
        assert unlabelled == [], (path, unlabelled)
        if path != "/console/login":
            assert who.get_by_role("navigation", name="Main").count() == 1
    page.goto(gw.url + "/console/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Overview"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Organisations"


def test_session_expires_when_idle(browser: Any, tmp_path: Path) -> None:
    for gw in console_gateway(tmp_path, idle_timeout_s=2):
        page = sign_in(browser, gw, "officer")
        assert page.goto(gw.url + "/console/orgs").status == 200
        time.sleep(3)
        page.goto(gw.url + "/console/orgs")
        assert page.url.startswith(gw.url + "/console/login")
        r = page.context.request.post(f"{gw.url}/console/logout", form={"csrf": "x"})
        assert r.status == 403
