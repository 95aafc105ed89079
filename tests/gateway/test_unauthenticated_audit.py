"""Junk from anyone (no key, a wrong key, an unparseable body) cannot grow the audit log without
bound: per process and minute, the first N refusals that named no principal are recorded in full,
the rest counted into one summary record. Refusals of an authenticated principal are all recorded."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from bastion.gateway.context import Decision, Principal, RequestContext, Verdict
from bastion.gateway.unauthenticated import SUPPRESSED_ACTION, WINDOW_S, SampledRefusals
from tests.audit.test_gateway_audit import records
from tests.helpers import running_gateway

CHAT = {"model": "demo-model", "messages": [{"role": "user", "content": "hi"}]}


def test_junk_is_sampled_and_counted_but_principals_are_recorded(sqlite_url: str) -> None:
    with running_gateway(sqlite_url, server={"unauthenticated_records_per_min": 5}) as gw:
        url = gw.v1 + "/chat/completions"
        codes = [httpx.post(url, json=CHAT, timeout=10).status_code for _ in range(20)]
        codes += [httpx.post(url, json=CHAT, headers={"Authorization": "Bearer bst_" + "x" * 40}, timeout=10)
                  .status_code for _ in range(10)]
        codes += [httpx.post(url, content=b"{not json", timeout=10).status_code for _ in range(10)]
        codes += [httpx.get(gw.v1 + "/models", timeout=10).status_code for _ in range(5)]
        assert codes == [401] * 30 + [400] * 10 + [401] * 5  # every client still gets its refusal
        suspended = {"Authorization": f"Bearer {gw.keys['suspended']}"}
        assert [httpx.post(url, json=CHAT, headers=suspended, timeout=10).status_code
                for _ in range(8)] == [403] * 8
    log = records(sqlite_url)
    anonymous = [r for r in log if r.get("kind") == "decision" and r["org_id"] is None]
    assert len(anonymous) == 5
    assert len([r for r in log if r.get("kind") == "decision" and r["org_id"] == gw.orgs["suspended"]["id"]]) == 8
    summaries = [r for r in log if r.get("action") == SUPPRESSED_ACTION]
    assert len(summaries) == 1  # written at shutdown
    counts: dict[str, int] = summaries[0]["details"]["suppressed"]
    assert sum(counts.values()) == 45 - 5
    assert set(counts) <= {"missing_api_key", "invalid_api_key", "invalid_json"} and counts["invalid_api_key"] == 10


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _ctx(principal: Principal | None, decision: Decision = Decision.DENY, reason: str = "missing_api_key") -> Any:
    ctx = RequestContext("req_x", "chat.completions", {}, None, {})
    ctx.principal = principal
    ctx.final = Verdict(decision, reason, "", {}, 401)
    return ctx


def test_each_minute_starts_a_new_sample_and_closes_the_last() -> None:
    decisions: list[RequestContext] = []
    admin: list[dict[str, Any]] = []

    async def record(ctx: RequestContext, phase: str) -> None:
        decisions.append(ctx)

    async def record_admin(action: str, actor: str, details: dict[str, Any]) -> None:
        admin.append({"action": action, **details})

    clock = Clock()

    async def go() -> None:
        sampler = SampledRefusals(record, record_admin, 2, "gateway:t", clock)
        for _ in range(5):
            await sampler(_ctx(None), "decision")
        await sampler(_ctx(None, reason="internal"), "decision")  # our failure, not the client's: recorded
        await sampler(_ctx(None, Decision.ALLOW, "ok"), "decision")  # an allowed request: recorded
        await sampler(_ctx(None, reason="upstream_error"), "close")  # a forwarded request's close: recorded
        assert len(decisions) == 5 and admin == []
        clock.now += WINDOW_S
        await sampler(_ctx(None), "decision")  # a new minute: last minute's count first, then a new sample
        assert [a["suppressed"] for a in admin] == [{"missing_api_key": 3}]
        assert len(decisions) == 6
        await sampler.flush()  # nothing suppressed in this minute: no record
        assert len(admin) == 1

    asyncio.run(go())
