"""The decision cache never serves a stale answer: for random requests at random times, a caching engine
and an uncached one agree (hypothesis). The pack reads the hour and the declared use, which the cache
key once left out."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.config import ModelSettings
from bastion.gateway.context import Principal
from bastion.policy.engine import PolicyEngine
from bastion.policy.pack import DEFAULT_DIR, PolicyPack, load_pack

TIME_AND_USE = """
@id("ops.no_invoke_at_night")
@reason("requests are accepted 06:00-22:00 UTC")
forbid(principal, action == Action::"invoke", resource) when { context.hour_utc < 6 || context.hour_utc >= 22 };
@id("ops.research_only_frontier")
@reason("frontier models only for declared research")
forbid(principal, action, resource) when { resource.tier == "frontier" && context.declared_use != "research" };
"""


def pack() -> PolicyPack:
    with tempfile.TemporaryDirectory() as d:
        shutil.copytree(DEFAULT_DIR, Path(d) / "pack")
        (Path(d) / "pack" / "90-ops.cedar").write_text(TIME_AND_USE)
        return load_pack(Path(d) / "pack")


MODELS = {"open-m": ModelSettings(upstreams=[], tier="open"),  # type: ignore[arg-type]
          "frontier-m": ModelSettings(upstreams=[], tier="frontier")}  # type: ignore[arg-type]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


request = st.fixed_dictionaries({
    "t": st.floats(0, 7 * 86400), "tier": st.integers(0, 3), "use": st.sampled_from([None, "research", "sales"]),
    "country": st.sampled_from([None, "GB", "IR"]), "model": st.sampled_from(sorted(MODELS)),
    "action": st.sampled_from(["invoke", "list_models", "fine_tune"]), "stage": st.sampled_from(["access", "usage"]),
    "flags": st.lists(st.sampled_from(["cyber_offense", "general_harm", "jailbreak"]), max_size=2),
    "status": st.sampled_from(["active", "suspended"]),
})


def version(r: dict[str, object]) -> int:
    """The org's version: the store bumps it with every change to the org (the entities cache's contract)."""
    return 1 + int(r["tier"]) + 4 * ["active", "suspended"].index(str(r["status"])) \
        + 8 * [None, "research", "sales"].index(r["use"])  # type: ignore[call-overload]


@settings(max_examples=60, deadline=None)
@given(st.lists(request, min_size=1, max_size=25))
def test_cached_and_uncached_decisions_agree(requests: list[dict[str, object]]) -> None:
    clock = Clock()
    shared = pack()
    cached = PolicyEngine(shared, MODELS, cache_size=1000, clock=clock)
    fresh = PolicyEngine(shared, MODELS, cache_size=0, clock=clock)
    for r in requests:
        clock.now = float(r["t"])  # type: ignore[arg-type]
        # one org, one key: what changes between requests is exactly what the cache key must carry
        p = Principal("org_1", "Org", str(r["status"]), "key_1", "bst_1", "active", tier=int(r["tier"]),  # type: ignore[call-overload]
                      country="GB", screening_state="clear", declared_use=r["use"],  # type: ignore[arg-type]
                      org_version=version(r))
        args = (p, str(r["model"]), str(r["action"]))
        kw = {"stage": str(r["stage"]), "request_country": r["country"], "flagged": r["flags"]}
        a = cached.decide(*args, **kw)  # type: ignore[arg-type]
        b = fresh.decide(*args, **kw)  # type: ignore[arg-type]
        assert (a.allowed, a.ids) == (b.allowed, b.ids), r


def test_the_hour_decides_and_is_read_from_the_engine_clock() -> None:
    clock = Clock()
    engine = PolicyEngine(pack(), MODELS, clock=clock)
    p = Principal("org_1", "Org", "active", "key_1", "bst_1", "active", tier=2, country="GB", screening_state="clear")
    clock.now = 12 * 3600.0
    assert engine.decide(p, "open-m", "invoke").allowed
    clock.now = 23 * 3600.0  # same request, an hour the policy forbids: the cached noon answer must not be served
    night = engine.decide(p, "open-m", "invoke")
    assert not night.allowed and night.ids == ["ops.no_invoke_at_night"]
