"""Per-category thresholds, chosen on the validation split (never on an evaluation set).

What the gateway does with the scores is one decision - refuse if any category is over its threshold -
so the thresholds are chosen together for that decision. Starting with every category closed, moves
(one category's threshold lowered) are taken by how much recall they buy per false positive, while the
any-category false-positive rate on the budget set stays within ``max_fpr``. Recall is averaged over
the categories, each counted as caught when any flag fires: pooled recall would spend the whole budget
on general harm, whose public sets outnumber every frontier category.

The budget holds on each of two sets: the *same-topic* safe prompts (the written look-alikes that share
the unsafe prompts' words, where the false positives are) and all the other safe prompts (everyday
requests, the public sets' natural ones, maths and code).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from training.guard.sources import Example

SAFE_WRITTEN = frozenset({"written:benign", "written:legacy", "written:padding"})
GRID = np.round(np.linspace(0.05, 0.99, 95), 3)
CLOSED = 1.01  # above every probability: the category never flags


def same_topic(e: Example) -> bool:
    """A written safe look-alike of a hazard category (not the everyday or templated lines)."""
    return not e.labels and e.source.startswith("written:") and e.source not in SAFE_WRITTEN


def budget_sets(examples: Sequence[Example]) -> list[np.ndarray]:
    near = np.array([same_topic(e) for e in examples])
    rest = np.array([not e.labels for e in examples]) & ~near
    return [m for m in (near, rest) if m.any()]


def flagged_any(scores: np.ndarray, thresholds: dict[str, float], cats: Sequence[str]) -> np.ndarray:
    return np.asarray(np.column_stack([scores[:, k] >= thresholds[c] for k, c in enumerate(cats)]).any(axis=1))


def _recall(flags: np.ndarray, members: list[np.ndarray]) -> float:
    return float(np.mean([flags[m].mean() for m in members])) if members else 0.0


def choose(scores: np.ndarray, examples: Sequence[Example], cats: Sequence[str], max_fpr: float,
           heads: Sequence[str]) -> dict[str, float]:
    """Thresholds for ``heads`` (the categories this head decides); the others stay closed."""
    budgets = [(m, int(max_fpr * m.sum())) for m in budget_sets(examples)]
    members = [m for c in heads if (m := np.array([c in e.labels for e in examples])).any()]
    thresholds = {c: CLOSED for c in cats}
    hits = {c: scores[:, k][None, :] >= GRID[:, None] for k, c in enumerate(cats) if c in heads}
    recall, fps = 0.0, 0
    while True:
        move: tuple[float, str, float, float, int] | None = None  # rate, category, threshold, recall, fps
        for c, rows in hits.items():
            others = np.zeros(len(examples), dtype=bool)
            for d, t in thresholds.items():
                if d != c and t <= 1.0:
                    others |= scores[:, cats.index(d)] >= t
            for g, t in enumerate(GRID):
                if t >= thresholds[c]:
                    break
                cand = others | rows[g]
                spent = [int(cand[m].sum()) for m, _ in budgets]
                gain = _recall(cand, members) - recall
                if any(n > cap for n, (_, cap) in zip(spent, budgets, strict=True)) or gain <= 1e-9:
                    continue
                cand_fps = sum(spent)
                rate = gain / (max(cand_fps - fps, 0) + 1)
                if move is None or rate > move[0]:
                    move = (rate, c, float(t), recall + gain, cand_fps)
        if move is None:
            return thresholds
        _, c, t, recall, fps = move
        thresholds[c] = t
