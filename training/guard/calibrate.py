"""Thresholds chosen with the runtime's own scoring: the exported ONNX model, loaded by
``bastion.guard.engine.Guard`` and run over the validation split exactly as the gateway runs it
(de-obfuscated variants, token windows), so the false-positive budget holds for what ships.

A model with an early exit is calibrated in three passes over the validation split: the whole network
(its thresholds are kept as ``exit.full_thresholds``); the early heads alone, to choose the exit level
(the highest level below which at most ``EXIT_RECALL_COST`` of the unsafe prompts the whole network
catches would stop); then the cascade itself, whose thresholds ship.
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


EXIT_RECALL_COST = 0.01
HEADS = ("prompt", "answer")


def calibrate(meta_path: Path, corpus: Corpus, max_fpr: float) -> dict[str, object]:
    """Choose both heads' thresholds on ``corpus.val`` and write them into ``meta_path``; report val and
    held-out figures at those thresholds."""
    if "exit" in json.loads(meta_path.read_text()):
        return _calibrate_cascade(meta_path, corpus, max_fpr)
    return _calibrate(meta_path, corpus, max_fpr)


def _decided(cats: list[str], head: str) -> list[str]:
    return cats if head == "prompt" else [c for c in cats if c not in ATTACK_SIGNALS]


def _calibrate_cascade(meta_path: Path, corpus: Corpus, max_fpr: float) -> dict[str, object]:
    doc = json.loads(meta_path.read_text())
    doc["exit"]["below"] = {}
    meta_path.write_text(json.dumps(doc, indent=2) + "\n")
    full = _calibrate(meta_path, corpus, max_fpr)  # never exits while "below" is empty
    doc = json.loads(meta_path.read_text())
    full_thresholds = doc["thresholds"]
    doc["exit"]["below"] = {h: {c: 1.01 for c in _decided(doc["categories"], h)} for h in HEADS}
    meta_path.write_text(json.dumps(doc, indent=2) + "\n")
    early = Guard.load(meta_path)  # always exits: the early heads alone
    whole = Guard.load(meta_path, early_exit=False)
    below: dict[str, dict[str, float]] = {}
    for head in HEADS:
        cats = list(early.categories)
        decided = _decided(cats, head)
        val = [e for e in corpus.val if e.kind == head and e.labels]
        caught = flagged_any(runtime_scores(whole, val, head), full_thresholds[head], cats)
        cols = [cats.index(c) for c in decided]
        top = runtime_scores(early, val, head)[:, cols].max(axis=1)[caught]
        level = float(np.quantile(top, EXIT_RECALL_COST)) if len(top) else 0.0
        below[head] = {c: round(level, 6) for c in decided}
    doc["exit"]["below"] = below
    doc["exit"]["full_thresholds"] = full_thresholds
    meta_path.write_text(json.dumps(doc, indent=2) + "\n")
    cascade = _calibrate(meta_path, corpus, max_fpr)
    guard = Guard.load(meta_path)
    guard.score_many([e.text for e in corpus.val if e.kind == "prompt" and not e.labels])
    enc = guard.classifier
    rate = enc.exits / max(enc.runs, 1)  # type: ignore[attr-defined]
    return {**cascade, "full": full, "exit_level": below, "safe_prompt_windows_exited": round(rate, 4)}


def _calibrate(meta_path: Path, corpus: Corpus, max_fpr: float) -> dict[str, object]:
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
