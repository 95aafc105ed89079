"""Threshold picking on the dev split: best F1 within the false-positive budget, strict when none fits."""

from __future__ import annotations

import numpy as np
import pytest

from bastion.guard.train import pick_threshold


def test_best_f1_within_the_budget() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.31, 0.25])
    truth = np.array([1, 1, 1, 0, 0])
    safe = np.array([0.31, 0.25, 0.1, 0.1])
    t = pick_threshold(scores, truth, safe, max_fpr=0.0)
    assert (scores[truth == 1] >= t).all() and not (safe >= t).any()  # all three positives, no safe text


def test_no_threshold_within_the_budget_takes_the_strictest(capsys: pytest.CaptureFixture[str]) -> None:
    scores = np.array([0.99, 0.98])
    truth = np.array([1, 0])
    safe = np.array([0.99, 0.98, 0.97])  # every safe text scores above any grid threshold
    assert pick_threshold(scores, truth, safe, max_fpr=0.01) == 0.95
    assert "no threshold keeps the false-positive budget" in capsys.readouterr().err


def test_dev_thresholds_spend_the_budget_on_natural_safe_prompts_only() -> None:
    from bastion.guard.dataset import Example
    from bastion.guard.train import dev_thresholds, flagged_any

    cats = ["cyber_offense"]
    dev = [Example("exploit", frozenset(cats), "g1", "harmbench"),
           Example("a written look-alike", frozenset(), "g2", "written"),  # not in the budget
           Example("a natural question", frozenset(), "g3", "mt-bench")]
    scores = np.array([[0.9], [0.92], [0.3]])
    th = dev_thresholds(scores, dev, cats, max_fpr=0.0)
    # The look-alike outscores the positive, yet it does not force a stricter threshold than 0.9 allows.
    assert th["cyber_offense"] <= 0.9
    assert flagged_any(scores, th, cats).tolist() == [True, True, False]
