"""Thresholds chosen with the runtime's own scoring: the exported ONNX model, loaded by
``bastion.guard.engine.Guard`` and run over the validation split exactly as the gateway runs it
(de-obfuscated variants, token windows), so the false-positive budget holds for what ships.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bastion.guard.engine import Guard
from bastion.guard.taxonomy import ATTACK_SIGNALS
from training.guard.corpus import Corpus
from training.guard.sources import Example
from training.guard.thresholds import choose, flagged_any


def runtime_scores(guard: Guard, examples: list[Example], head: str) -> np.ndarray:
    rows: list[dict[str, float]] = []
    for b in range(0, len(examples), 64):
        rows += guard.score_many([e.text for e in examples[b : b + 64]], head)
    return np.array([[r[c] for c in guard.categories] for r in rows]).reshape(len(rows), len(guard.categories))


def measure(scores: np.ndarray, examples: list[Example], cats: list[str],
            thresholds: dict[str, float]) -> dict[str, float]:
    flags = flagged_any(scores, thresholds, cats) if len(examples) else np.zeros(0, dtype=bool)
    truth = np.array([bool(e.labels) for e in examples], dtype=bool)
    tp, fp = int((flags & truth).sum()), int((flags & ~truth).sum())
    fn = int((~flags & truth).sum())
    return {"n": len(examples), "f1": round(2 * tp / max(2 * tp + fp + fn, 1), 4),
            "recall": round(tp / max(tp + fn, 1), 4), "fpr": round(fp / max(int((~truth).sum()), 1), 4)}


def calibrate(meta_path: Path, corpus: Corpus, max_fpr: float) -> dict[str, object]:
    """Choose both heads' thresholds on ``corpus.val`` and write them into ``meta_path``; report val and
    held-out figures at those thresholds."""
    guard = Guard.load(meta_path)
    cats = list(guard.categories)
    hazards = [c for c in cats if c not in ATTACK_SIGNALS]
    doc = json.loads(meta_path.read_text())
    report: dict[str, object] = {}
    for head, decided in (("prompt", cats), ("answer", hazards)):
        val = [e for e in corpus.val if e.kind == head]
        held = [e for e in corpus.holdout if e.kind == head]
        vs, hs = runtime_scores(guard, val, head), runtime_scores(guard, held, head)
        doc["thresholds"][head] = choose(vs, val, cats, max_fpr, decided)
        report[head] = {"val": measure(vs, val, cats, doc["thresholds"][head]),
                        "holdout": measure(hs, held, cats, doc["thresholds"][head])}
    doc["validation"] = report
    meta_path.write_text(json.dumps(doc, indent=2) + "\n")
    return report
