"""Per-category thresholds, chosen on the validation split (never on an evaluation set).

What the gateway does with the scores is one decision - refuse if any category is over its threshold -
so the thresholds are chosen together for that decision. Starting with every category closed, moves
(one category's threshold lowered) are taken by how much recall they buy per false positive, while the
any-category false-positive rate on the budget set stays within ``max_fpr``. Recall is averaged over
the categories, each counted as caught when any flag fires: pooled recall would spend the whole budget
on general harm, whose public sets outnumber every frontier category.

The budget set is the *same-topic* safe prompts - the written look-alikes that share the unsafe
prompts' words - and the natural safe prompts of the public sets; maths and code (which no head comes
near) do not dilute it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from training.guard.sources import Example

EASY_SAFE = frozenset({"gsm8k", "humaneval"})
GRID = np.round(np.linspace(0.05, 0.99, 95), 3)
CLOSED = 1.01  # above every probability: the category never flags


def budget_mask(examples: Sequence[Example]) -> np.ndarray:
    return np.array([not e.labels and e.source not in EASY_SAFE for e in examples])


def flagged_any(scores: np.ndarray, thresholds: dict[str, float], cats: Sequence[str]) -> np.ndarray:
    return np.asarray(np.column_stack([scores[:, k] >= thresholds[c] for k, c in enumerate(cats)]).any(axis=1))


def _recall(flags: np.ndarray, members: list[np.ndarray]) -> float:
    return float(np.mean([flags[m].mean() for m in members])) if members else 0.0


def choose(scores: np.ndarray, examples: Sequence[Example], cats: Sequence[str], max_fpr: float,
           heads: Sequence[str]) -> dict[str, float]:
    """Thresholds for ``heads`` (the categories this head decides); the others stay closed."""
    budget = budget_mask(examples)
    members = [m for c in heads if (m := np.array([c in e.labels for e in examples])).any()]
    thresholds = {c: CLOSED for c in cats}
    hits = {c: scores[:, k][None, :] >= GRID[:, None] for k, c in enumerate(cats) if c in heads}
    flags = np.zeros(len(examples), dtype=bool)
    recall, fps = 0.0, 0
    allowed = int(max_fpr * budget.sum())
    while True:
        move: tuple[float, str, float, np.ndarray, float, int] | None = None
        for c, rows in hits.items():
            others = np.zeros_like(flags)
            for d, t in thresholds.items():
                if d != c and t <= 1.0:
                    others |= scores[:, cats.index(d)] >= t
            for g, t in enumerate(GRID):
                if t >= thresholds[c]:
                    break
                cand = others | rows[g]
                cand_fps = int(cand[budget].sum())
                gain = _recall(cand, members) - recall
                if cand_fps > allowed or gain <= 1e-9:
                    continue
                rate = gain / (max(cand_fps - fps, 0) + 1)
                if move is None or rate > move[0]:
                    move = (rate, c, float(t), cand, recall + gain, cand_fps)
        if move is None:
            return thresholds
        _, c, t, flags, recall, fps = move
        thresholds[c] = t
