"""Train the guard: ``python -m bastion.guard.train [--data ../shared/data] [--out DIR]``.

Reproducible: fixed data assembly (``dataset.py``), fixed splits, fixed seeds. Fits the two designs
("ngram" and "word"), picks per-category thresholds on the dev split (never on XSTest), and writes
``guard-<design>.npz`` plus ``metrics.json``. Takes about a minute on one core.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from bastion.guard.dataset import Example, load_examples
from bastion.guard.model import MODEL_DIR, N_WORD, GuardModel, raw_features, tfidf
from bastion.guard.taxonomy import categories

# Design "ngram": the word block's IDF weights are multiplied by this before the row is normalised, so the
# many character n-grams do not drown the words (picked by dev-split F1 among 1, 1.5, 2, 3, 4, 6).
WORD_WEIGHT = 3.0
EASY_SAFE = frozenset({"gsm8k", "humaneval", "written"})
DEFAULT_DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


def labels_matrix(examples: list[Example], cats: list[str]) -> np.ndarray:
    return np.array([[c in e.labels for c in cats] for e in examples], dtype=np.int8)


def sample_weights(examples: list[Example], y: np.ndarray) -> np.ndarray:
    """Class-balanced weights, except that a safe text sharing its group with a positive (a contrast twin:
    the same document without the attack) weighs as much as a positive, so that only what differs between
    the two carries the evidence."""
    pos = max(int(y.sum()), 1)
    neg = max(len(y) - pos, 1)
    w = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg))
    groups = {e.group for e, v in zip(examples, y, strict=True) if v}
    twin = np.array([not v and e.group in groups for e, v in zip(examples, y, strict=True)])
    w[twin] = len(y) / (2 * pos)
    return np.asarray(w, dtype=np.float64)


def pick_threshold(scores: np.ndarray, truth: np.ndarray, safe_scores: np.ndarray, max_fpr: float) -> float:
    """Best F1 on dev among thresholds that keep the false-positive rate on safe texts under max_fpr.

    When no threshold on the grid keeps the budget, the strictest one is taken (and said on stderr),
    never a lenient default."""
    grid = np.round(np.linspace(0.2, 0.95, 31), 3)  # judged as stored: 0.2 + 4 * 0.025 is 0.30000000000000004
    best_t, best_f1 = None, -1.0
    for t in grid:
        pred = scores >= t
        tp = float((pred & (truth == 1)).sum())
        fp = float((pred & (truth == 0)).sum())
        fn = float((~pred & (truth == 1)).sum())
        f1 = 2 * tp / max(2 * tp + fp + fn, 1.0)
        if (safe_scores >= t).mean() <= max_fpr and f1 > best_f1:
            best_t, best_f1 = float(t), f1
    if best_t is None:
        best_t = float(grid[-1])
        print(f"train: no threshold keeps the false-positive budget {max_fpr}; using {best_t}", file=sys.stderr)
    return best_t


def dev_thresholds(dev_scores: np.ndarray, dev: list[Example], cats: list[str], max_fpr: float) -> dict[str, float]:
    """Per-category thresholds picked on the dev split, each head spending half of ``max_fpr``.

    The false-positive budget is spent on independent, natural safe prompts: not on maths and code (no head
    comes near them) nor on the project's own look-alikes (their template siblings are in train)."""
    y_dev = labels_matrix(dev, cats)
    budget = np.array([not e.labels and e.source not in EASY_SAFE for e in dev])
    return {c: pick_threshold(dev_scores[:, k], y_dev[:, k], dev_scores[budget, k], max_fpr / 2)
            for k, c in enumerate(cats)}


def flagged_any(scores: np.ndarray, thresholds: dict[str, float], cats: list[str]) -> np.ndarray:
    """Per text: whether any category reaches its threshold."""
    return np.asarray(np.column_stack([scores[:, k] >= thresholds[c] for k, c in enumerate(cats)]).any(axis=1))


def fit(design: str, train: list[Example], dev: list[Example], cats: list[str],
        max_fpr: float) -> tuple[GuardModel, dict[str, object]]:
    x_raw = raw_features(design, [e.text for e in train])
    df = np.asarray((x_raw > 0).sum(axis=0)).ravel()
    idf = (np.log((1 + len(train)) / (1 + df)) + 1).astype(np.float32)
    if design == "ngram":
        idf[:N_WORD] *= WORD_WEIGHT
    x = tfidf(x_raw, idf)
    y = labels_matrix(train, cats)
    weights = np.zeros((len(cats), x.shape[1]), dtype=np.float32)
    bias = np.zeros(len(cats), dtype=np.float32)
    for k, _ in enumerate(cats):
        clf = LogisticRegression(C=8.0, max_iter=2000, solver="liblinear")
        clf.fit(x, y[:, k], sample_weight=sample_weights(train, y[:, k]))
        weights[k] = clf.coef_[0]
        bias[k] = clf.intercept_[0]
    model = GuardModel(design, cats, idf, weights, bias, {}, {})
    dev_scores = model.scores([e.text for e in dev])
    model.thresholds = dev_thresholds(dev_scores, dev, cats, max_fpr)
    flagged = flagged_any(dev_scores, model.thresholds, cats)
    safe = np.array([not e.labels for e in dev])
    unsafe = ~safe
    tp, fp = float((flagged & unsafe).sum()), float((flagged & safe).sum())
    fn = float((~flagged & unsafe).sum())
    metrics = {"dev_precision": round(tp / max(tp + fp, 1), 4), "dev_recall": round(tp / max(tp + fn, 1), 4),
               "dev_f1": round(2 * tp / max(2 * tp + fp + fn, 1), 4), "dev_fpr": round(fp / max(safe.sum(), 1), 4),
               "thresholds": model.thresholds}
    return model, metrics


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    ap.add_argument("--max-fpr", type=float, default=0.04)
    args = ap.parse_args(argv)
    start = time.time()
    examples = load_examples(args.data.resolve())
    train = [e for e in examples if e.split == "train"]
    dev = [e for e in examples if e.split == "dev"]
    cats = categories()
    report: dict[str, object] = {"examples": len(examples), "train": len(train), "dev": len(dev)}
    args.out.mkdir(parents=True, exist_ok=True)
    for design in ("ngram", "word"):
        model, metrics = fit(design, train, dev, cats, args.max_fpr)
        model.meta = {"trained_on": len(train), "dev_metrics": metrics}
        model.save(args.out / f"guard-{design}.npz")
        report[design] = metrics
    report["seconds"] = round(time.time() - start, 1)
    (args.out / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
