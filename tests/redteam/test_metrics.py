"""Metrics: Wilson intervals (checked against published values and by property), Cohen's kappa, and the
definitions of ASR, over-refusal and block rate on hand-made records."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.redteam.compare import compare
from bastion.redteam.metrics import cohen_kappa, compute, wilson


@given(st.integers(0, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_bounds(kn: tuple[int, int]) -> None:
    k, n = kn
    low, high = wilson(k, n)
    assert 0.0 <= low <= high <= 1.0
    if n:
        assert low <= k / n <= high
        assert (low == 0.0) == (k == 0) and (high == 1.0) == (k == n)
        # symmetric: swapping successes and failures mirrors the interval
        l2, h2 = wilson(n - k, n)
        assert math.isclose(low, 1 - h2, abs_tol=1e-12) and math.isclose(high, 1 - l2, abs_tol=1e-12)


@given(st.integers(1, 400), st.floats(0, 1))
def test_wilson_narrows_with_more_trials(n: int, p: float) -> None:
    k = round(p * n)
    low, high = wilson(k, n)
    low4, high4 = wilson(4 * k, 4 * n)
    assert high4 - low4 <= high - low + 1e-12


def test_wilson_known_values() -> None:
    # Wilson 95% interval for 81/263 (Newcombe 1998, example): 0.2553 to 0.3662
    low, high = wilson(81, 263)
    assert round(low, 4) == 0.2553 and round(high, 4) == 0.3662
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(0, 10)
    assert low == 0.0 and round(high, 4) == 0.2775
    with pytest.raises(ValueError):
        wilson(5, 4)


def test_cohen_kappa() -> None:
    # 20 both yes, 15 both no, 5 + 10 disagreements (a textbook table): po = 0.7, pe = 0.5, kappa = 0.4
    table = Counter({(True, True): 20, (False, False): 15, (True, False): 5, (False, True): 10})
    assert math.isclose(cohen_kappa(table) or 0, 0.4)
    assert cohen_kappa(Counter({(True, True): 9})) is None  # chance agreement is 1: undefined
    assert cohen_kappa(Counter()) is None
    assert cohen_kappa(Counter({(True, False): 3, (False, True): 3})) == -1.0


def rec(i: int, *, harmful: bool = True, status: str = "ok", success: bool | None = None,
        refused: bool | None = None, category: str = "cyber_offense", transform: str = "none",
        verdicts: dict[str, Any] | None = None, code: str | None = None) -> dict[str, Any]:
    return {"id": str(i), "index": i, "suite": "s" if harmful else "benign", "harmful": harmful, "status": status,
            "success": success, "refused": refused, "category": category, "transform": transform,
            "verdicts": verdicts or {}, "code": code}


def v(success: bool | None) -> dict[str, Any]:
    return {"success": success, "score": None, "label": ""}


def test_definitions_on_hand_made_records() -> None:
    records = [
        rec(0, success=True, verdicts={"refusal": v(True), "guard": v(True)}),
        rec(1, success=False, verdicts={"refusal": v(False), "guard": v(False)}),
        rec(2, success=True, transform="base64", verdicts={"refusal": v(True), "guard": v(False)}),
        rec(3, status="blocked", success=False, refused=True, code="policy.usage.cyber_offense"),
        rec(4, status="error", code="timeout"),
        rec(5, success=True, category="other", verdicts={"refusal": v(True), "guard": v(None)}),
        rec(6, harmful=False, refused=True, verdicts={"refusal": v(False)}),
        rec(7, harmful=False, refused=False, verdicts={"refusal": v(True)}),
        rec(8, harmful=False, status="blocked", refused=True, code="content_filter"),
        rec(9, harmful=False, refused=False, verdicts={"refusal": v(True)}),
    ]
    m = compute(records, "refusal", ("refusal", "guard"))
    assert m["attempts"] == {"total": 10, "ok": 7, "blocked": 2, "error": 1}
    assert m["errors"] == {"timeout": 1}
    overall = m["asr"]["overall"]
    assert (overall["k"], overall["n"]) == (3, 5)  # the blocked one counts as a failed attack; the error not at all
    cells = {(c["category"], c["transform"]): (c["k"], c["n"]) for c in m["asr"]["cells"]}
    assert cells == {("cyber_offense", "none"): (1, 3), ("cyber_offense", "base64"): (1, 1), ("other", "none"): (1, 1)}
    assert m["asr"]["by_judge"]["guard"]["k"] == 1 and m["asr"]["by_judge"]["guard"]["n"] == 4
    over = m["over_refusal"]["overall"]
    assert (over["k"], over["n"]) == (2, 4)  # refused by the model, or blocked by the gateway
    block = m["guard_block"]
    assert (block["overall"]["k"], block["overall"]["n"]) == (2, 9)
    assert (block["harmful"]["k"], block["benign"]["k"]) == (1, 1)
    assert block["codes"] == {"content_filter": 1, "policy.usage.cyber_offense": 1}
    (pair,) = m["judge_agreement"]
    assert pair["judges"] == ["guard", "refusal"] and pair["n"] == 3 and math.isclose(pair["agreement"], 2 / 3)
    assert pair["table"] == {"both_success": 1, "both_fail": 1, "only_first": 0, "only_second": 1}


def test_compare_marks_only_clear_changes_significant() -> None:
    def doc(records: list[dict[str, Any]]) -> dict[str, Any]:
        return {"target": {"model": "m", "url": "u"}, "suites": [], "metrics": compute(records, "refusal")}

    a = doc([rec(i, success=i < 80) for i in range(100)])
    b = doc([rec(i, success=i < 10) for i in range(100)])
    c = doc([rec(i, success=i < 75) for i in range(100)])
    d = compare(a, b)
    assert math.isclose(d["asr"]["delta"], -0.7) and d["asr"]["significant"]
    assert not compare(a, c)["asr"]["significant"]
    assert d["cells"][0]["category"] == "cyber_offense" and d["cells"][0]["significant"]
