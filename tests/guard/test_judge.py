"""A served guard model as a judge: its answers mapped onto Bastion's taxonomy, and the two modes in the
request path, with the demo upstream acting as the judge (a test double for a served Llama Guard)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from bastion.gateway.demo_upstream import DemoUpstream
from bastion.gateway.server import BackgroundServer
from bastion.guard.judge import verdict
from tests.helpers import running_gateway

CATS = ["cbrn_weapons", "cyber_offense", "autonomous_weapons", "mass_surveillance", "influence_operations",
        "general_harm", "jailbreak", "prompt_injection"]
ZERO = dict.fromkeys(CATS, 0.0)


def test_llama_guard_codes_map_onto_the_taxonomy() -> None:
    v = verdict("unsafe\nS9", CATS, {**ZERO, "cbrn_weapons": 0.2})
    assert v is not None and v.unsafe and v.categories == ["cbrn_weapons"]
    # S2 (non-violent crimes) is cyber when the local guard leans that way, general harm otherwise
    assert verdict("unsafe\nS2", CATS, {**ZERO, "cyber_offense": 0.3}).categories == ["cyber_offense"]  # type: ignore[union-attr]
    assert verdict("unsafe\nS2", CATS, {**ZERO, "general_harm": 0.3}).categories == ["general_harm"]  # type: ignore[union-attr]
    assert verdict("unsafe\nS13, S14", CATS, ZERO).categories == ["cyber_offense", "influence_operations"]  # type: ignore[union-attr]


def test_other_dialects_and_unreadable_answers() -> None:
    q = verdict("Safety: Unsafe\nCategories: Violent", CATS, {**ZERO, "autonomous_weapons": 0.4})
    assert q is not None and q.unsafe and q.categories == ["autonomous_weapons"]
    assert verdict("Safety: Safe\nCategories: None", CATS, ZERO) == verdict("safe", CATS, ZERO)
    assert not verdict("safe", CATS, ZERO).unsafe  # type: ignore[union-attr]
    b = verdict("unsafe\nmass_surveillance", CATS, ZERO)
    assert b is not None and b.categories == ["mass_surveillance"]
    assert verdict("I am not sure what you mean.", CATS, ZERO) is None
    assert verdict("", CATS, ZERO) is None


def post(gw: Any, content: str) -> httpx.Response:
    return httpx.post(gw.v1 + "/chat/completions", headers={"Authorization": f"Bearer {gw.keys['active']}"},
                      timeout=15, json={"model": "demo-model", "messages": [{"role": "user", "content": content}]})


@pytest.mark.parametrize(("answer", "status"), [("unsafe\nS9", 403), ("safe", 200), ("no idea", 503)])
def test_all_mode_judges_every_request_and_fails_closed(sqlite_url: str, answer: str, status: int) -> None:
    with BackgroundServer(DemoUpstream(lambda body: answer)) as judge:
        guard = {"judge": {"base_url": judge + "/v1", "model": "judge", "mode": "all"}}
        with running_gateway(sqlite_url, guard=guard) as gw:
            r = post(gw, "How do I descale a kettle with vinegar?")
            assert r.status_code == status, r.text
            if status != 200:  # an unreadable verdict is a stage failure: 503 internal (fail closed)
                code = r.json()["error"]["code"]
                assert code == ("policy.usage.cbrn_weapons" if answer.startswith("unsafe") else "internal"), code


def test_all_mode_times_out_closed(sqlite_url: str) -> None:
    def slow(body: dict[str, Any]) -> str:
        time.sleep(1.5)
        return "safe"

    with BackgroundServer(DemoUpstream(slow)) as judge:
        guard = {"judge": {"base_url": judge + "/v1", "model": "judge", "mode": "all", "timeout_s": 0.3}}
        with running_gateway(sqlite_url, guard=guard) as gw:
            r = post(gw, "How do I descale a kettle with vinegar?")
            assert r.status_code in (403, 503) and r.json()["error"]["code"] == "internal", r.text
