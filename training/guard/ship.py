"""Ship one trained design: ``python -m training.guard.ship var/guard-models/guard-minilm3.json``.

Copies its ONNX file (or the front and back graphs of a model with an early exit), the tokenizer and its
description into ``src/bastion/guard/model/`` under the name the runtime loads by default
(``guard-minilm``), after checking the SHA-256s and the 25 MB budget (all graphs together). Graphs of the
other shape left from an earlier ship are removed, so the folder holds one model.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from training.guard.export import sha256

MODEL_DIR = Path(__file__).resolve().parents[2] / "src" / "bastion" / "guard" / "model"
MAX_BYTES = 25 * 1024 * 1024
NAME = "guard-minilm"


def ship(meta_path: Path, out: Path = MODEL_DIR) -> Path:
    doc = json.loads(meta_path.read_text())
    exit_spec = doc.get("exit")
    graphs = {"front": ("front", "front_sha256"), "back": ("back", "back_sha256")} if exit_spec else {}
    files = [(exit_spec[f], exit_spec[h], f"{NAME}.{role}.onnx") for role, (f, h) in graphs.items()] if exit_spec \
        else [(doc["onnx"], doc["onnx_sha256"], f"{NAME}.onnx")]
    size = 0
    for name, digest, _ in files:
        graph = meta_path.with_name(name)
        if sha256(graph) != digest:
            raise SystemExit(f"{graph}: SHA-256 differs from {meta_path.name}")
        size += graph.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{meta_path.name}: {size} bytes of graphs, over the 25 MB budget for a committed model")
    for stale in (f"{NAME}.onnx", f"{NAME}.front.onnx", f"{NAME}.back.onnx"):
        (out / stale).unlink(missing_ok=True)
    for name, _, shipped in files:
        shutil.copyfile(meta_path.with_name(name), out / shipped)
    shutil.copyfile(meta_path.with_name("tokenizer.json"), out / "tokenizer.json")
    if exit_spec:
        exit_spec.update(front=f"{NAME}.front.onnx", back=f"{NAME}.back.onnx")
    else:
        doc["onnx"] = f"{NAME}.onnx"
    doc["design"] = meta_path.stem.removeprefix("guard-")
    target = out / f"{NAME}.json"
    target.write_text(json.dumps(doc, indent=2) + "\n")
    return target


if __name__ == "__main__":
    print(ship(Path(sys.argv[1])))
