"""Ship one trained design: ``python -m training.guard.ship var/guard-models/guard-minilm3.json``.

Copies its ONNX file, the tokenizer and its description into ``src/bastion/guard/model/`` under the
name the runtime loads by default (``guard-minilm``), after checking the SHA-256 and the 25 MB budget.
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
    onnx = meta_path.with_name(doc["onnx"])
    if sha256(onnx) != doc["onnx_sha256"]:
        raise SystemExit(f"{onnx}: SHA-256 differs from {meta_path.name}")
    if onnx.stat().st_size > MAX_BYTES:
        raise SystemExit(f"{onnx}: {onnx.stat().st_size} bytes, over the 25 MB budget for a committed model")
    shutil.copyfile(onnx, out / f"{NAME}.onnx")
    shutil.copyfile(meta_path.with_name("tokenizer.json"), out / "tokenizer.json")
    doc.update(onnx=f"{NAME}.onnx", design=meta_path.stem.removeprefix("guard-"))
    target = out / f"{NAME}.json"
    target.write_text(json.dumps(doc, indent=2) + "\n")
    return target


if __name__ == "__main__":
    print(ship(Path(sys.argv[1])))
