"""The guard's shipped classifier: a fine-tuned MiniLM encoder exported to int8 ONNX, with two heads
(prompts and answers) over the taxonomy's categories. Trained by ``make model`` (training/guard/);
the runtime only loads the artefact: ``<name>.onnx`` beside ``<name>.json`` and ``tokenizer.json``.

Long texts are scored in windows of ``max_tokens`` pieces that overlap by ``OVERLAP`` pieces (so an ask
of up to that length lies whole in one window, and a longer one fills most of a window), and a text's
score is its highest window's: benign padding before, after or around a request cannot dilute it.
Identical windows (a text and its de-obfuscated variants mostly share theirs) are scored once, each in
its own call, so that a text's score never depends on what else is being scored.
(Very long texts are narrowed to regions before they get here: ``focus.py``.)

A model with an early exit comes as two graphs, front and back. Each window runs the front; when every
early score lies below the exit level chosen on the validation split (``exit.below``), the window stops
there with those scores, otherwise the back runs on the front's hidden states. Most traffic is plainly
safe and stops at the exit. ``early_exit=False`` always runs both halves, with the thresholds chosen for
that mode (``exit.full_thresholds``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

MODEL_DIR = Path(__file__).with_name("model")
HEADS = ("prompt", "answer")
OVERLAP = 32


class ModelFileError(ValueError):
    """The model artefact is missing, altered or does not fit this runtime."""


@dataclass(frozen=True)
class EncoderMeta:
    name: str
    categories: list[str]
    thresholds: dict[str, dict[str, float]]  # head -> category -> threshold
    max_tokens: int
    onnx_sha256: str  # of the one graph, or of the front graph of a model with an early exit


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class EncoderModel:
    def __init__(self, meta_path: Path, threads: int = 1, early_exit: bool = True) -> None:
        try:
            doc = json.loads(meta_path.read_text())
            exit_spec = doc.get("exit")
            graph = str(exit_spec["front"] if exit_spec else doc["onnx"])
            digest = str(exit_spec["front_sha256"] if exit_spec else doc["onnx_sha256"])
            thresholds = dict(doc["thresholds"])
            if exit_spec and not early_exit:
                thresholds = dict(exit_spec.get("full_thresholds") or thresholds)
            self.meta = EncoderMeta(meta_path.stem, list(doc["categories"]), thresholds, int(doc["max_tokens"]),
                                    digest)
            below = dict((exit_spec or {}).get("below", {})) if early_exit else {}
            cats = list(doc["categories"])
            # per head, the exit level of each category that may hold a window back (inf: ignored)
            self.exit_levels = [np.array([float(below.get(h, {}).get(c, np.inf)) for c in cats]) for h in HEADS]
            self.may_exit = [bool(below.get(h)) for h in HEADS]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ModelFileError(f"guard model {meta_path}: not a readable model description ({exc})") from exc
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = _session(meta_path.with_name(graph), digest, meta_path, opts)
        self.back = _session(meta_path.with_name(str(exit_spec["back"])), str(exit_spec["back_sha256"]), meta_path,
                             opts) if exit_spec else None
        self.tokenizer = Tokenizer.from_file(str(meta_path.with_name("tokenizer.json")))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        cls, sep = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        if cls is None or sep is None:
            raise ModelFileError(f"guard model {meta_path}: tokenizer.json has no [CLS] / [SEP] pieces")
        self.cls, self.sep = cls, sep
        self.categories = self.meta.categories
        self.exits = self.runs = 0  # windows that stopped at the early exit, windows run (for benches)

    def windows(self, texts: list[str]) -> tuple[list[list[int]], list[int]]:
        """Token windows of every text, and for each window the index of its text."""
        body = self.meta.max_tokens - 2
        stride = body - OVERLAP
        out: list[list[int]] = []
        owner: list[int] = []
        for i, enc in enumerate(self.tokenizer.encode_batch(texts, add_special_tokens=False)):
            ids = enc.ids
            starts = [*range(0, len(ids) - body, stride), max(len(ids) - body, 0)]  # the last reaches the end
            for s in starts:
                out.append([self.cls, *ids[s : s + body], self.sep])
                owner.append(i)
        return out, owner

    def scores(self, texts: list[str], head: str = "prompt") -> np.ndarray:
        """Probabilities, one row per text (its highest window), one column per category."""
        result = np.zeros((len(texts), len(self.categories)), dtype=np.float64)
        if not texts:
            return result
        wins, owner = self.windows(texts)
        unique: dict[tuple[int, ...], int] = {}
        slot = [unique.setdefault(tuple(w), len(unique)) for w in wins]
        probs = self._run([list(w) for w in unique], HEADS.index(head))
        np.maximum.at(result, np.asarray(owner), probs[np.asarray(slot)])
        return result

    def _run(self, wins: list[list[int]], head: int) -> np.ndarray:
        # One window per call: dynamic int8 quantisation scales activations over the whole input, so in a
        # batch a window's score would depend on its batch-mates (and on their padding).
        out = np.zeros((len(wins), len(self.categories)), dtype=np.float32)
        for i, w in enumerate(wins):
            ids = np.asarray([w], dtype=np.int64)
            mask = np.ones_like(ids)
            if self.back is None:
                out[i] = self.session.run(None, {"ids": ids, "mask": mask})[head][0]
                continue
            self.runs += 1
            hidden, *early = self.session.run(None, {"ids": ids, "mask": mask})
            if self.may_exit[head] and bool((early[head][0] < self.exit_levels[head]).all()):
                out[i] = early[head][0]
                self.exits += 1
            else:
                out[i] = self.back.run(None, {"hidden": hidden, "mask": mask})[head][0]
        return out


def _session(path: Path, digest: str, meta_path: Path, opts: ort.SessionOptions) -> ort.InferenceSession:
    if not path.is_file() or _sha256(path) != digest:
        raise ModelFileError(f"guard model {path}: missing, or its SHA-256 differs from {meta_path.name}")
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def default_model_path() -> Path:
    return MODEL_DIR / "guard-minilm.json"


def default_threads() -> int:
    return 1 if os.environ.get("BASTION_GUARD_THREADS") is None else int(os.environ["BASTION_GUARD_THREADS"])
