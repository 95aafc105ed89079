"""Train the guard: ``make model`` (``python -m training.guard.train``).

Reproducible: the corpus (``corpus.py``) is fixed by the data files, the splits by stable hashes, the
runs by seeds. Steps: fine-tune the 6-layer teacher on the training split; distil a 3-layer student
from it (hard labels plus the teacher's probabilities); export both to int8 ONNX under ``--out``; choose
each one's thresholds on the validation split with the runtime's own scoring (``calibrate.py``); write
``metrics.json``. The teacher's 2,979 steps ran at 0.86 steps/s on 2 AMD EPYC cores (57 minutes); an
earlier run on 2 Intel cores with AMX ran at 1.9 steps/s. The student adds about half the teacher's
time. The design that ships is chosen by ``bench/guard.py`` on the validation split and copied into
``src/bastion/guard/model/`` by ``ship.py``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from bastion.guard.taxonomy import categories
from training.guard import finetune
from training.guard.calibrate import calibrate
from training.guard.corpus import build, fingerprint
from training.guard.export import export

OUT = Path(__file__).resolve().parents[2] / "var" / "guard-models"
COMMAND = "make model  # python -m training.guard.train"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--epochs", type=float, default=3.0)
    ap.add_argument("--student-epochs", type=float, default=3.0)
    ap.add_argument("--max-fpr", type=float, default=0.03)
    ap.add_argument("--teacher-layers", type=int, default=6)
    ap.add_argument("--student-layers", type=int, default=3)
    ap.add_argument("--exit-layer", type=int, default=0, help="an early exit after this layer (0: none, as shipped)")
    ap.add_argument("--skip-student", action="store_true")
    ap.add_argument("--teacher", type=Path, help="a teacher's saved .pt: distil the student only")
    args = ap.parse_args(argv)
    start = time.time()
    corpus = build()
    cats = categories()
    report: dict[str, object] = {"corpus": corpus.summary(), "command": COMMAND}
    meta = {"categories": cats, "thresholds": {}, "trained_on": len(corpus.train), "command": COMMAND,
            "corpus_sha256": fingerprint(corpus)}
    name = f"guard-minilm{args.teacher_layers}"
    if args.teacher:
        teacher = finetune.GuardNet(len(cats), args.teacher_layers, args.exit_layer or None)
        teacher.load_state_dict(torch.load(args.teacher))
        teacher.eval()
    else:
        teacher = finetune.train(corpus.train, cats, layers=args.teacher_layers, epochs=args.epochs,
                                 exit_layer=args.exit_layer or None)
        export(teacher, args.out, name, meta)
        torch.save(teacher.state_dict(), args.out / f"{name}.pt")  # to distil again without retraining it
        report[name.removeprefix("guard-")] = calibrate(args.out / f"{name}.json", corpus, args.max_fpr)
        print(json.dumps(report[name.removeprefix("guard-")]), flush=True)
    if not args.skip_student:
        soft = finetune.predict(teacher, corpus.train)
        student = finetune.train(corpus.train, cats, layers=args.student_layers, epochs=args.student_epochs,
                                 teacher_probs=soft)
        sname = f"guard-minilm{args.student_layers}"
        export(student, args.out, sname, {**meta, "distilled_from": name})
        report[sname.removeprefix("guard-")] = calibrate(args.out / f"{sname}.json", corpus, args.max_fpr)
    report["seconds"] = round(time.time() - start)
    (args.out / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
