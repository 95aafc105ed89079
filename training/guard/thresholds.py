"""Per-category thresholds, chosen on the validation split (never on an evaluation set).

The false-positive budget is spent on *same-topic* safe prompts - the written look-alikes that share the
unsafe prompts' words - and on the natural safe prompts of the public sets; maths and code (which no
head comes near) do not dilute it. Each head gets an equal share; the shares are tightened until the
any-category false-positive rate on that budget set is within ``max_fpr``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from training.guard.sources import Example

EASY_SAFE = frozenset({"gsm8k", "humaneval"})
GRID = np.round(np.linspace(0.05, 0.99, 95), 3)


def budget_mask(examples: Sequence[Example]) -> np.ndarray:
    return np.array([not e.labels and e.source not in EASY_SAFE for e in examples])


def flagged_any(scores: np.ndarray, thresholds: dict[str, float], cats: Sequence[str]) -> np.ndarray:
    return np.asarray(np.column_stack([scores[:, k] >= thresholds[c] for k, c in enumerate(cats)]).any(axis=1))


def _best(scores: np.ndarray, truth: np.ndarray, safe: np.ndarray, max_fpr: float) -> float:
    best_t, best_f1 = float(GRID[-1]), -1.0
    for t in GRID:
        pred = scores >= t
        tp = float((pred & truth).sum())
        fp = float((pred & ~truth).sum())
        fn = float((~pred & truth).sum())
        f1 = 2 * tp / max(2 * tp + fp + fn, 1.0)
        if (safe >= t).mean() <= max_fpr and f1 > best_f1:
            best_t, best_f1 = float(t), f1
    return best_t


def choose(scores: np.ndarray, examples: Sequence[Example], cats: Sequence[str], max_fpr: float,
           heads: Sequence[str]) -> dict[str, float]:
    """Thresholds for ``heads`` (the categories this head decides); others are set to 1.01 (never)."""
    budget = budget_mask(examples)
    truth = np.array([[c in e.labels for c in cats] for e in examples])
    share = max_fpr / max(len(heads), 1) * 2
    thresholds: dict[str, float] = {}
    for _ in range(30):
        thresholds = {c: (_best(scores[:, k], truth[:, k], scores[budget, k], share) if c in heads else 1.01)
                      for k, c in enumerate(cats)}
        if flagged_any(scores[budget], thresholds, cats).mean() <= max_fpr:
            break
        share *= 0.8
    return thresholds
