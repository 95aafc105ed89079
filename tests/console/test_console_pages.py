"""The console's monitor, policy and red-team pages in a real browser (Chromium via Playwright).

Role checks, CSRF and the audit trail are checked in the signed-in browser; screenshots go to
docs/console/ like the other browser tests'.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import console_gateway, in_thread
from tests.console.test_console_browser import browser, records, shot, sign_in
from tests.helpers import Running

__all__ = ["browser"]  # the module-scoped Chromium fixture, shared with test_console_browser


def _seed_cases(gw: Running) -> list[str]:
    from bastion.monitor.cases import CaseStore
    from bastion.monitor.signals import Assessment, Signal
    from bastion.store.db import create_engine

    async def go() -> list[str]:
        engine = create_engine(gw.settings.store.url)
        try:
            store, ids = CaseStore(engine), []
            for key, signal in (("active", Signal("key_sharing", 0.91, {"fingerprints": 7, "window_s": 3600})),
                                ("pending", Signal("burst", 0.62, {"requests": 480, "baseline": 40}))):
                opened = await store.record(Assessment(gw.orgs[key]["id"], 0.8, "review", (signal,), time.time(), 500))
                assert opened is not None
                ids.append(opened.case["id"])
            return ids
        finally:
            await engine.dispose()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from console_gateway(tmp_path_factory.mktemp("pages"))


@pytest.fixture(scope="module")
def case_ids(gw: Running) -> list[str]:
    return in_thread(_seed_cases, gw)


def _case_status(gw: Running, case_id: str) -> str:
    from bastion.monitor.cases import CaseStore
    from bastion.store.db import create_engine

    async def go() -> str:
        engine = create_engine(gw.settings.store.url)
        try:
            return str((await CaseStore(engine).get(case_id))["status"])
        finally:
            await engine.dispose()

    return in_thread(asyncio.run, go())


def test_monitor_roles(browser: Any, gw: Running, case_ids: list[str]) -> None:
    admin = sign_in(browser, gw, "admin")
    assert admin.goto(gw.url + "/console/monitor").status == 403
    assert admin.get_by_role("link", name="Monitor cases").count() == 0
    auditor = sign_in(browser, gw, "auditor")
    assert auditor.goto(gw.url + "/console/monitor").status == 200
    assert auditor.locator("article.hit").count() == 2
    assert auditor.get_by_role("button", name="Decide").count() == 0  # read-only
    assert "key_sharing" in auditor.locator("article", has_text=gw.orgs["active"]["id"]).inner_text()
    csrf = auditor.locator("input[name=csrf]").first.get_attribute("value")
    r = auditor.context.request.post(f"{gw.url}/console/monitor/{case_ids[0]}",
                                     form={"csrf": csrf, "outcome": "dismissed", "reason": "auditor tries"})
    assert r.status == 403
    assert auditor.goto(gw.url + "/console/monitor?status=bogus").status == 400
    assert _case_status(gw, case_ids[0]) == "open"


def test_monitor_case_decided_by_an_officer(browser: Any, gw: Running, case_ids: list[str]) -> None:
    page = sign_in(browser, gw, "officer")
    page.get_by_role("link", name="Monitor cases").click()
    case = page.locator("article", has_text=gw.orgs["pending"]["id"])
    evidence = case.locator("table.signals tbody tr").inner_text()
    assert "burst" in evidence and "requests=480" in evidence and "0.62" in evidence
    shot(page, "monitor")
    r = page.context.request.post(f"{gw.url}/console/monitor/{case_ids[1]}",
                                  form={"outcome": "confirmed", "reason": "no token"})
    assert r.status == 403 and _case_status(gw, case_ids[1]) == "open"
    case.get_by_label("Outcome").select_option("confirmed")
    case.get_by_label("Reason").fill("burst matches a scraping pattern seen before")
    case.get_by_role("button", name="Decide").click()
    assert "Case confirmed" in page.get_by_role("status").inner_text()
    assert page.locator("article", has_text=gw.orgs["pending"]["id"]).count() == 0
    assert _case_status(gw, case_ids[1]) == "confirmed"
    decided = [x for x in records(gw.settings.store.url) if x.get("action") == "monitor.case_decided"]
    assert decided[-1]["actor"] == "console:officer"
    assert decided[-1]["details"] == {"case_id": case_ids[1], "org_id": gw.orgs["pending"]["id"],
                                      "outcome": "confirmed", "analyst": "officer",
                                      "reason": "burst matches a scraping pattern seen before", "via": "console"}
    page.get_by_label("Status").select_option("confirmed")
    page.get_by_role("button", name="Show").click()
    assert "confirmed by officer" in page.locator(".case-decision").inner_text()
    # Deciding it again is refused with the monitor's own message.
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    r = page.context.request.post(f"{gw.url}/console/monitor/{case_ids[1]}",
                                  form={"csrf": csrf, "outcome": "dismissed", "reason": "again"})
    assert r.status == 400 and "already decided" in r.text()


def test_pages_are_labelled(browser: Any, gw: Running, case_ids: list[str]) -> None:
    page = sign_in(browser, gw, "officer")
    for path in ("/console/monitor",):  # the policy page: see test_policy_labelled
        page.goto(gw.url + path)
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select')]
            .filter(e => !(e.id && document.querySelector('label[for="' + e.id + '"]')))
            .map(e => e.name)""")
        assert unlabelled == [], (path, unlabelled)
        assert page.locator("main h1").count() == 1




def _request_id(gw: Running) -> str:
    import httpx

    r = httpx.post(gw.v1 + "/chat/completions", headers={"authorization": f"Bearer {gw.keys['active']}"},
                   json={"model": "demo-model", "messages": [{"role": "user", "content": "hello"}]}, timeout=10)
    assert r.status_code == 200, r.text
    return r.headers["x-request-id"]


def test_policy_roles(browser: Any, gw: Running) -> None:
    officer = sign_in(browser, gw, "officer")
    assert officer.goto(gw.url + "/console/policy").status == 403
    assert officer.get_by_role("link", name="Policy").count() == 0
    auditor = sign_in(browser, gw, "auditor")
    assert auditor.goto(gw.url + "/console/policy").status == 200
    assert auditor.get_by_role("button", name="Reload the pack").count() == 0
    csrf = auditor.locator("input[name=csrf]").first.get_attribute("value")
    r = auditor.context.request.post(gw.url + "/console/policy/reload", form={"csrf": csrf})
    assert r.status == 403
    r = auditor.context.request.post(gw.url + "/console/policy/validate", form={})
    assert r.status == 403  # no CSRF token
    assert not [x for x in records(gw.settings.store.url) if str(x.get("action", "")).startswith("policy.reload")]


def test_policy_pack_validate_explain_and_try(browser: Any, gw: Running) -> None:
    request_id = _request_id(gw)
    page = sign_in(browser, gw, "auditor")
    page.get_by_role("link", name="Policy").click()
    assert "access.baseline" in page.locator("#policies").inner_text()
    assert "permit(" in page.locator("#policy-text").text_content()
    digest = page.locator("#pack-digest").inner_text()
    page.get_by_role("button", name="Validate the configured pack").click()
    assert page.locator("#policy-result").inner_text().startswith("OK:")
    assert digest in page.locator("#policy-result").inner_text()
    page.get_by_label("Request id").fill(request_id)
    page.get_by_role("button", name="Explain").click()
    explained = page.locator("article.explained").first.inner_text()
    assert "allow" in explained and "access.baseline" in explained and "permit" in explained
    page.get_by_label("Request id").fill("req_does_not_exist")
    page.get_by_role("button", name="Explain").click()
    assert "No decision" in page.locator("#explain-none").inner_text()
    page.get_by_label("Tier", exact=True).select_option("1")
    page.get_by_label("Org country").fill("GB")
    page.get_by_label("Request country").fill("KP")
    page.get_by_label("Model").select_option("demo-model")
    page.get_by_label("Declared use").fill("customer support")
    page.get_by_role("button", name="Decide").click()
    result = page.locator("#try-result").inner_text()
    assert result.startswith("DENY") and "restricted jurisdictions" in result
    page.get_by_label("Request country").fill("GB")
    page.get_by_role("button", name="Decide").click()
    assert page.locator("#try-result").inner_text().startswith("ALLOW: allowed by access.baseline")
    assert page.goto(gw.url + "/console/policy?model=demo-model&tier=9").status == 400
    page.goto(gw.url + "/console/policy?request=" + request_id)
    shot(page, "policy")


def test_policy_reload_by_an_admin_is_audited(browser: Any, gw: Running) -> None:
    page = sign_in(browser, gw, "admin")
    page.goto(gw.url + "/console/policy")
    page.get_by_role("button", name="Reload the pack").click()
    assert page.locator("#policy-result").inner_text().startswith("Reloaded:")
    reloaded = [x for x in records(gw.settings.store.url) if x.get("action") == "policy.reloaded"]
    assert reloaded and reloaded[-1]["actor"] == "console:admin"


def test_policy_labelled(browser: Any, gw: Running) -> None:
    page = sign_in(browser, gw, "admin")
    page.goto(gw.url + "/console/policy?model=demo-model&tier=2")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select')]
        .filter(e => !(e.id && document.querySelector('label[for="' + e.id + '"]')))
        .map(e => e.name)""")
    assert unlabelled == []
    assert page.locator("main h1").count() == 1


def _make_reports(tmp: Path) -> tuple[Path, Path]:
    """Two real signed reports by `bastion redteam run` against the planted upstream; one then tampered."""
    from bastion.gateway.demo_upstream import DemoUpstream
    from bastion.gateway.server import BackgroundServer
    from bastion.redteam.keys import pub_path
    from tests.redteam.conftest import invoke, no_audit_config
    from tests.redteam.planted import responder, write_suites

    root, key = tmp / "reports", tmp / "signing.key"
    harmful, benign = write_suites(tmp / "suites")
    with BackgroundServer(DemoUpstream(responder)) as url:
        for name in ("weekly-1", "tampered"):
            result = invoke("redteam", "run", "--target", url + "/v1", "--model", "demo-model", "--suite",
                            str(harmful), "--suite", str(benign), "--out", str(root / name), "--signing-key",
                            str(key), "--no-progress", "--judge", "refusal", "--transform", "none",
                            config=no_audit_config(tmp))
            assert result.exit_code == 0, result.output
    data = (root / "tampered" / "report.json").read_bytes()
    (root / "tampered" / "report.json").write_bytes(data.replace(b'"demo-model"', b'"demo-modem"', 1))
    (root / "broken").mkdir()
    (root / "broken" / "report.json").write_text("{}")  # not a report: an error row, and verify fails
    return root, pub_path(key)


@pytest.fixture(scope="module")
def rgw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Path]]:
    """A gateway whose console lists the two reports and pins their signer's public key."""
    tmp = tmp_path_factory.mktemp("reports")
    root, public = in_thread(_make_reports, tmp)
    for running in console_gateway(tmp / "gw", reports_dir=str(root), report_public_key=str(public)):
        yield running, root


def test_reports_roles(browser: Any, rgw: tuple[Running, Path]) -> None:
    gw, _ = rgw
    officer = sign_in(browser, gw, "officer")
    assert officer.get_by_role("link", name="Red-team reports").count() == 0
    for path in ("/console/reports", "/console/reports/weekly-1/html"):
        assert officer.goto(gw.url + path).status == 403, path
    officer.goto(gw.url + "/console/")
    csrf = officer.locator("input[name=csrf]").first.get_attribute("value")
    assert officer.context.request.post(gw.url + "/console/reports/weekly-1/verify", form={"csrf": csrf}).status == 403
    auditor = sign_in(browser, gw, "auditor")
    assert auditor.context.request.post(gw.url + "/console/reports/weekly-1/verify", form={}).status == 403
    for path in ("/console/reports/..%2Fgw/html", "/console/reports/nope/html", "/console/reports/.hidden/html"):
        assert auditor.goto(gw.url + path).status == 404, path
    admin = sign_in(browser, gw, "admin")
    assert admin.goto(gw.url + "/console/reports").status == 200


def test_reports_list_open_and_verify(browser: Any, rgw: tuple[Running, Path]) -> None:
    gw, _ = rgw
    page = sign_in(browser, gw, "auditor")
    page.get_by_role("link", name="Red-team reports").click()
    rows = page.locator("#reports tbody tr")
    assert rows.count() == 3
    assert "not a red-team report" in rows.filter(has_text="broken").inner_text()
    page.get_by_role("button", name="Verify the signature of broken").click()
    assert page.locator("#report-result").inner_text().startswith("broken: FAILED: cannot read the signature")
    page.get_by_role("button", name="Verify the signature of weekly-1").click()
    result = page.locator("#report-result").inner_text()
    assert result.startswith("weekly-1: OK:") and "configured signer's key" in result
    shot(page, "reports")
    page.get_by_role("button", name="Verify the signature of tampered").click()
    assert "FAILED: signature does not verify" in page.locator("#report-result").inner_text()
    assert page.locator("#report-result").get_attribute("class") == "error"
    done = [x for x in records(gw.settings.store.url) if x.get("action") == "redteam.report_verified"]
    assert [(d["actor"], d["details"]["report"], d["details"]["ok"]) for d in done[-2:]] == [
        ("console:auditor", "weekly-1", True), ("console:auditor", "tampered", False)]
    with page.expect_navigation():
        page.get_by_role("link", name="weekly-1").click()
    response = page.goto(gw.url + "/console/reports/weekly-1/html")
    assert response.status == 200
    csp = response.headers["content-security-policy"]
    assert "sandbox" in csp and "script-src" not in csp and csp.count("default-src") == 1
    assert page.locator("h1").count() >= 1
    shot(page, "report-html")


def test_org_page_shows_its_monitor_cases(browser: Any, gw: Running, case_ids: list[str]) -> None:
    page = sign_in(browser, gw, "admin")  # no monitor page for admins, but the org page shows the signals
    page.goto(f"{gw.url}/console/orgs/{gw.orgs['active']['id']}")
    cases = page.locator("#org-cases tbody").inner_text()
    assert case_ids[0] in cases and "key_sharing=0.91" in cases and "open" in cases
    assert page.locator("#org-cases").get_by_role("link", name="all open cases").count() == 0
    page.goto(f"{gw.url}/console/orgs/{gw.orgs['suspended']['id']}")
    assert "No monitor cases" in page.locator("#org-cases").inner_text()
