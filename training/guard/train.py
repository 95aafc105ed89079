"""Train the guard: ``make model`` (``python -m training.guard.train``).

Reproducible: the corpus (``corpus.py``) is fixed by the data files, the splits by stable hashes,
the runs by seeds. Steps: fine-tune the 6-layer teacher on the training split; choose its thresholds
on the validation split; distil a 3-layer student from it; export both to int8 ONNX under ``--out``;
write ``metrics.json``. About 40 minutes on 2 CPU cores. The design that ships is chosen by
``bench/guard.py`` on the validation split and copied into ``src/bastion/guard/model/``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from bastion.guard.taxonomy import ATTACK_SIGNALS, categories
from training.guard import finetune
from training.guard.corpus import Corpus, build, fingerprint
from training.guard.export import export
from training.guard.sources import Example
from training.guard.thresholds import choose, flagged_any

OUT = Path(__file__).resolve().parents[2] / "var" / "guard-models"
COMMAND = "make model  # python -m training.guard.train"


def head_thresholds(probs: np.ndarray, val: list[Example], cats: list[str],
                    max_fpr: float) -> dict[str, dict[str, float]]:
    prompts = [i for i, e in enumerate(val) if e.kind == "prompt"]
    answers = [i for i, e in enumerate(val) if e.kind == "answer"]
    hazards = [c for c in cats if c not in ATTACK_SIGNALS]
    return {"prompt": choose(probs[prompts], [val[i] for i in prompts], cats, max_fpr, cats),
            "answer": choose(probs[answers], [val[i] for i in answers], cats, max_fpr, hazards)}


def validation(probs: np.ndarray, val: list[Example], cats: list[str],
               thresholds: dict[str, dict[str, float]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for head in ("prompt", "answer"):
        idx = [i for i, e in enumerate(val) if e.kind == head]
        flags = flagged_any(probs[idx], thresholds[head], cats)
        truth = np.array([bool(val[i].labels) for i in idx])
        tp, fp = int((flags & truth).sum()), int((flags & ~truth).sum())
        fn = int((~flags & truth).sum())
        out[head] = {"n": len(idx), "f1": round(2 * tp / max(2 * tp + fp + fn, 1), 4),
                     "recall": round(tp / max(tp + fn, 1), 4), "fpr": round(fp / max(int((~truth).sum()), 1), 4)}
    return out


def measured(probs: np.ndarray, corpus: Corpus, cats: list[str],
             thresholds: dict[str, dict[str, float]]) -> dict[str, object]:
    n = len(corpus.val)
    return {"val": validation(probs[:n], corpus.val, cats, thresholds),
            "holdout": validation(probs[n:], corpus.holdout, cats, thresholds)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--student-epochs", type=float, default=3.0)
    ap.add_argument("--max-fpr", type=float, default=0.03)
    ap.add_argument("--teacher-layers", type=int, default=6)
    ap.add_argument("--student-layers", type=int, default=3)
    ap.add_argument("--skip-student", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    start = time.time()
    corpus = build()
    cats = categories()
    val = corpus.val + corpus.holdout
    report: dict[str, object] = {"corpus": corpus.summary(), "command": COMMAND}
    teacher = finetune.train(corpus.train, cats, layers=args.teacher_layers, epochs=args.epochs)
    probs = finetune.predict(teacher, val)
    thresholds = head_thresholds(probs[: len(corpus.val)], corpus.val, cats, args.max_fpr)
    meta = {"categories": cats, "thresholds": thresholds, "trained_on": len(corpus.train), "command": COMMAND,
            "corpus_sha256": fingerprint(corpus),
            "validation": measured(probs, corpus, cats, thresholds)}
    teacher_name = f"minilm{args.teacher_layers}"
    export(teacher, args.out, f"guard-{teacher_name}", meta)
    report[teacher_name] = meta["validation"]
    print(json.dumps(report[teacher_name]), flush=True)
    if not args.skip_student:
        soft = finetune.predict(teacher, corpus.train)
        student = finetune.train(corpus.train, cats, layers=args.student_layers, epochs=args.student_epochs,
                                 teacher_probs=soft)
        sprobs = finetune.predict(student, val)
        sthr = head_thresholds(sprobs[: len(corpus.val)], corpus.val, cats, args.max_fpr)
        smeta = {**meta, "thresholds": sthr, "validation": measured(sprobs, corpus, cats, sthr),
                 "distilled_from": f"guard-{teacher_name}"}
        export(student, args.out, f"guard-minilm{args.student_layers}", smeta)
        report[f"minilm{args.student_layers}"] = smeta["validation"]
    report["seconds"] = round(time.time() - start)
    (args.out / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
