"""Threshold choice (training/guard/thresholds.py): the any-category false-positive budget holds, recall
is bought where it is cheapest, and a category the head does not decide stays closed."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from training.guard.sources import Example
from training.guard.thresholds import CLOSED, budget_sets, choose, flagged_any

CATS = ["a", "b", "jailbreak"]


def ex(i: int, labels: set[str], source: str = "written") -> Example:
    return Example(f"text {i}", frozenset(labels), f"g{i}", source)


def test_separable_categories_are_caught_within_budget() -> None:
    rng = np.random.default_rng(0)
    examples = [ex(i, {"a"}) for i in range(50)] + [ex(50 + i, {"b"}) for i in range(50)]
    examples += [ex(100 + i, set()) for i in range(200)]
    scores = np.zeros((300, 3))
    scores[:50, 0] = rng.uniform(0.6, 1.0, 50)
    scores[50:100, 1] = rng.uniform(0.3, 0.5, 50)  # b is separable at a lower threshold
    scores[100:, 0] = rng.uniform(0.0, 0.55, 200)
    scores[100:, 1] = rng.uniform(0.0, 0.25, 200)
    t = choose(scores, examples, CATS, 0.02, ["a", "b"])
    assert t["jailbreak"] == CLOSED
    flags = flagged_any(scores, t, CATS)
    assert flags[:100].all()
    assert flags[100:].mean() <= 0.02


def test_budget_holds_on_look_alikes_and_on_the_rest_apart() -> None:
    examples = [ex(0, set(), "gsm8k"), ex(1, set(), "written:cbrn_weapons"), ex(2, set(), "written:benign"),
                ex(3, {"a"}, "written:cbrn_weapons")]
    near, rest = budget_sets(examples)
    assert near.tolist() == [False, True, False, False] and rest.tolist() == [True, False, True, False]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.0, 0.2))
def test_budget_never_exceeded(seed: int, max_fpr: float) -> None:
    rng = np.random.default_rng(seed)
    n = 120
    labels = [set() if r < 0.6 else {CATS[int(r * 10) % 2]} for r in rng.uniform(size=n)]
    examples = [ex(i, lab, "written:cbrn_weapons" if i % 3 else "mt-bench") for i, lab in enumerate(labels)]
    scores = rng.uniform(size=(n, 3))
    t = choose(scores, examples, CATS, max_fpr, ["a", "b"])
    for safe in budget_sets(examples):
        assert flagged_any(scores[safe], t, CATS).sum() <= int(max_fpr * safe.sum())
    assert t["jailbreak"] == CLOSED
