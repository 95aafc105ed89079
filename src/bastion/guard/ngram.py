"""The first-generation guard classifier, kept as the baseline design "ngram" that bench/guard.py
compares the encoder with: hashed word 1-2-grams plus character 3-5-grams, TF-IDF weights, one logistic
head per category. Loaded from a small ``.npz`` (no pickle: nothing executable is loaded from disk).
Its artefact (``model/guard-ngram.npz``) was trained in 2026-11 and is not retrained."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

MODEL_DIR = Path(__file__).with_name("model")
N_WORD = 2**17
N_CHAR = 2**17
MAX_CHARS = 6000  # long prompts: the head and tail carry the request; the middle is usually padding


def vectorizers(design: str) -> list[HashingVectorizer]:
    word = HashingVectorizer(n_features=N_WORD, ngram_range=(1, 2), alternate_sign=False, norm=None,
                             lowercase=True, token_pattern=r"(?u)\b\w+\b")
    if design == "word":
        return [word]
    char = HashingVectorizer(n_features=N_CHAR, analyzer="char_wb", ngram_range=(3, 5), alternate_sign=False,
                             norm=None, lowercase=True)
    return [word, char]


def clip(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS * 2 // 3] + " " + text[-MAX_CHARS // 3 :]


def raw_features(design: str, texts: list[str]) -> sp.csr_matrix:
    clipped = [clip(t) for t in texts]
    mats = [v.transform(clipped) for v in vectorizers(design)]
    return sp.hstack(mats, format="csr") if len(mats) > 1 else mats[0].tocsr()


def tfidf(x: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    x = x.astype(np.float32)
    x.data = np.log1p(x.data)  # sublinear term frequency
    x = x.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms) @ x


@dataclass
class GuardModel:
    design: str
    categories: list[str]
    idf: np.ndarray  # (n_features,)
    weights: np.ndarray  # (n_categories, n_features) float32
    bias: np.ndarray  # (n_categories,)
    thresholds: dict[str, float]
    meta: dict[str, object]

    def __post_init__(self) -> None:
        # (n_features, n_categories), C-contiguous: a sparse row times ``weights.T`` would otherwise copy
        # the whole transposed matrix on every call (about 1.5 ms for the ngram design).
        self._columns = np.ascontiguousarray(self.weights.T)

    def scores(self, texts: list[str], head: str = "prompt") -> np.ndarray:
        """Probabilities, one row per text, one column per category (one head: ``head`` is ignored)."""
        x = tfidf(raw_features(self.design, texts), self.idf)
        logits = np.asarray(x @ self._columns) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float64)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, idf=self.idf.astype(np.float32), weights=self.weights.astype(np.float16),
                            bias=self.bias.astype(np.float32),
                            meta=np.frombuffer(json.dumps({"design": self.design, "categories": self.categories,
                                                           "thresholds": self.thresholds, **self.meta}).encode(),
                                               dtype=np.uint8))

    @classmethod
    def load(cls, path: Path) -> GuardModel:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            return cls(meta.pop("design"), meta.pop("categories"), z["idf"], z["weights"].astype(np.float32),
                       z["bias"], meta.pop("thresholds"), meta)


def default_model_path() -> Path:
    return MODEL_DIR / "guard-ngram.npz"
