"""The screening review queue at 1,000 open hits: paging boundaries and filters that combine."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.console.conftest import console_gateway
from tests.console.test_console_http import sign_in
from tests.helpers import Running

N = 1000
LISTS = ("demo-sdn", "demo-eu", "demo-un", "demo-uk")


def score_of(i: int) -> float:
    return round(0.70 + (i % 30) / 100, 2)  # 0.70 .. 0.99


def seed(gw: Running) -> str:
    """1,000 open hits (plus 10 decided ones) over two GB orgs and one FR org; the FR org's id."""
    from bastion.diligence.kyc import KycStore
    from bastion.store.accounts import AccountStore
    from bastion.store.db import create_engine

    async def go() -> str:
        engine = create_engine(gw.settings.store.url)
        try:
            fr = await AccountStore(engine, gw.settings.server.server_secret).create_org(
                "Lyon Conseil SAS", status="active", tier=1, country="FR")
            org_ids = [gw.orgs["active"]["id"], gw.orgs["pending"]["id"], fr["id"]]
            t0 = datetime.now(UTC) - timedelta(days=1)
            rows = [{
                "id": f"hit_{i:05d}", "org_id": org_ids[i % 3], "subject": "org", "subject_name": f"Subject {i}",
                "list_id": LISTS[i % 4], "entity_id": f"E-{i}", "entry_name": f"ENTRY {i:05d} LLC",
                "matched_name": f"Entry {i}", "score": score_of(i), "decision": "review",
                "explanation": "generated", "features": {"name": score_of(i)},
                "status": "open" if i < N else "false_positive", "lists_version": "v-test",
                "created_at": t0 + timedelta(seconds=i)} for i in range(N + 10)]
            await KycStore(engine).add_hits(rows)
            return str(fr["id"])
        finally:
            await engine.dispose()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def queue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, str]]:
    for gw in console_gateway(tmp_path_factory.mktemp("queue"), secure_cookies=False):
        yield gw, seed(gw)


def entries(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"ENTRY (\d{5}) LLC", html)]


def test_paging_covers_every_open_hit_once(queue: tuple[Running, str]) -> None:
    gw, _ = queue
    officer = sign_in(gw, "officer")
    first = officer.get("/console/screening").text
    assert "1000 hits; page 1 of 20." in first
    assert entries(first) == list(range(50)) and 'rel="prev"' not in first and 'rel="next"' in first
    seen = []
    for page_no in range(20):
        html = officer.get("/console/screening", params={"page": page_no}).text
        seen += entries(html)
        assert ('rel="next"' in html) == (page_no < 19)
    assert seen == list(range(N))  # oldest first, no gaps, no repeats; the decided ones are not in the queue
    beyond = officer.get("/console/screening", params={"page": 20}).text
    assert entries(beyond) == [] and "No hit matches." in beyond and 'rel="prev"' in beyond
    assert officer.get("/console/screening", params={"page": "x"}).status_code == 400


def test_filters_combine(queue: tuple[Running, str]) -> None:
    gw, _ = queue
    auditor = sign_in(gw, "auditor")

    def ids(**params: str) -> tuple[int, list[int]]:
        all_ids: list[int] = []
        page_no, total = 0, -1
        while True:
            r = auditor.get("/console/screening", params={**params, "page": str(page_no)})
            assert r.status_code == 200, r.text
            total = int(re.search(r"(\d+) hits?; page", r.text).group(1))  # type: ignore[union-attr]
            all_ids += entries(r.text)
            if 'rel="next"' not in r.text:
                return total, all_ids
            page_no += 1

    want = [i for i in range(N) if i % 4 == 1]
    assert ids(list="demo-eu") == (len(want), want)
    want = [i for i in range(N) if i % 3 == 2]
    assert ids(country="fr") == (len(want), want)
    want = [i for i in range(N) if i % 4 == 1 and i % 3 == 2 and 0.80 <= score_of(i) <= 0.85]
    total, got = ids(list="demo-eu", country="FR", min_score="0.80", max_score="0.85")
    assert want and (total, got) == (len(want), want)
    # The pager keeps the filters.
    page = auditor.get("/console/screening", params={"list": "demo-eu", "min_score": "0.7"}).text
    assert 'href="?list=demo-eu&amp;min_score=0.7&amp;page=1"' in page
    assert ids(status="false_positive") == (10, list(range(N, N + 10)))
    assert ids(country="GB", min_score="0.995")[0] == 0
    for bad in ({"status": "closed"}, {"min_score": "2"}, {"max_score": "high"}, {"country": "FRA"}):
        assert auditor.get("/console/screening", params=bad).status_code == 400


def test_decided_hits_show_no_decide_form(queue: tuple[Running, str]) -> None:
    gw, _ = queue
    officer = sign_in(gw, "officer")
    assert "Decide</button>" in officer.get("/console/screening").text
    assert "Decide</button>" not in officer.get("/console/screening", params={"status": "true_match"}).text


def test_overview_counts_all_open_hits(queue: tuple[Running, str]) -> None:
    gw, _ = queue
    assert re.search(r"\b1000\b", sign_in(gw, "officer").get("/console/").text)
