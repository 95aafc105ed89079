"""The console's monitor, policy and red-team pages in a real browser (Chromium via Playwright).

Role checks, CSRF and the audit trail are checked in the signed-in browser; screenshots go to
docs/console/ like the other browser tests'.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
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
    for path in ("/console/monitor",):
        page.goto(gw.url + path)
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select')]
            .filter(e => !(e.id && document.querySelector('label[for="' + e.id + '"]')))
            .map(e => e.name)""")
        assert unlabelled == [], (path, unlabelled)
        assert page.locator("main h1").count() == 1


