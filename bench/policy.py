"""Policy decisions: p50/p99 microseconds and decisions/s on one core, default pack, 1,000 orgs.

"evaluated" calls Cedar for every decision (pre-parsed PolicySet, Entities cached per org); "cached"
serves repeated (org version, key, model, context) decisions from the decision cache; "cold" builds
the org's Entities too. Prints one JSON object with a ``targets`` list; exit 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, percentile, target

from bastion.config import ModelSettings
from bastion.gateway.context import Principal
from bastion.policy.engine import PolicyEngine
from bastion.policy.pack import load_pack

MODELS = {"open-m": ModelSettings(upstreams=[], tier="open"),
          "std-m": ModelSettings(upstreams=[], tier="standard"),
          "frontier-m": ModelSettings(upstreams=[], tier="frontier"),
          "restricted-m": ModelSettings(upstreams=[], tier="restricted", programmes=["government_lawful_use"])}
CATEGORIES = ["cyber_offense", "cbrn_weapons", "autonomous_weapons", "mass_surveillance"]


def orgs(n: int, rng: random.Random) -> list[Principal]:
    out = []
    for i in range(n):
        out.append(Principal(f"org_{i:05d}", f"Org {i}", "active", f"key_{i:05d}", "bst_bench000", "active",
                             tier=rng.randint(0, 3), country=rng.choice(["GB", "US", "DE", "FR", "JP", "IR"]),
                             programmes=tuple(rng.sample(["government_lawful_use", "weights_custodian"],
                                                         rng.randint(0, 1))),
                             screening_state=rng.choice(["clear"] * 9 + ["review"])))
    return out


def measure(engine: PolicyEngine, principals: list[Principal], n: int, cached: bool, rng: random.Random,
            warm: bool = True) -> dict[str, Any]:
    names = list(MODELS)
    calls = []
    for _ in range(n):
        p = rng.choice(principals)
        flagged = [rng.choice(CATEGORIES)] if rng.random() < 0.1 else []
        calls.append((p, rng.choice(names), "usage" if flagged else "access", rng.choice(["GB", "US", None]),
                      flagged))
    if warm:
        for p, m, stage, country, flagged in calls:
            engine.decide(p, m, stage=stage, request_country=country, flagged=flagged, cached=cached)
    lat = []
    start = time.perf_counter()
    for p, m, stage, country, flagged in calls:
        t = time.perf_counter_ns()
        engine.decide(p, m, stage=stage, request_country=country, flagged=flagged, cached=cached)
        lat.append((time.perf_counter_ns() - t) / 1000)
    elapsed = time.perf_counter() - start
    lat.sort()
    return {"decisions": n, "per_s": round(n / elapsed), "p50_us": round(percentile(lat, 50), 2),
            "p99_us": round(percentile(lat, 99), 2)}


def main(quick: bool) -> dict[str, Any]:
    rng = random.Random(7)
    n = 2_000 if quick else 50_000
    pack = load_pack()
    principals = orgs(1000, rng)
    evaluated = measure(PolicyEngine(pack, MODELS), principals, n, cached=False, rng=rng)
    cached = measure(PolicyEngine(pack, MODELS), principals, n, cached=True, rng=rng)
    cold = measure(PolicyEngine(pack, MODELS, cache_size=0), principals, min(n, 5_000), cached=False, rng=rng,
                   warm=False)
    return {"bench": "policy", "policies": len(pack.info), "orgs": len(principals), "models": len(MODELS),
            "evaluated": evaluated, "cached": cached, "cold_entities": cold,
            "targets": [target("evaluated_p50_us", evaluated["p50_us"], "<=", 100.0),
                        target("evaluated_p99_us", evaluated["p99_us"], "<=", 300.0),
                        target("cached_p50_us", cached["p50_us"], "<=", 100.0)]}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    emit(main(ap.parse_args().quick))
