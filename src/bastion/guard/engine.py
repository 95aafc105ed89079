"""The guard: score a request (every message on its own, the conversation as a whole, tool definitions
and tool calls), an answer, or a window of a stream, after de-obfuscation, and say which categories are
flagged.

Pure: text in, ``GuardAssessment`` out. A text's score per category is the maximum over its regions
(``focus.py``, for very long texts), their de-obfuscated variants and, inside the classifier, their token
windows - so neither a disguise nor padding nor a long benign history can lower a request's score below
the ask's own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bastion.gateway.context import GuardAssessment, message_text, prompt_inputs
from bastion.guard.deobfuscate import variants
from bastion.guard.focus import parts, regions

MAX_CONVERSATION = 16_000  # split payloads sit close together: the joined conversation's tail is enough


class Classifier(Protocol):
    categories: list[str]

    def scores(self, texts: list[str], head: str = "prompt") -> np.ndarray: ...


def request_segments(body: dict[str, Any]) -> list[str]:
    """The texts of a request to score: each message alone (the ask may be in any turn, and a long benign
    history must not dilute it), the conversation joined (a payload split across messages is put back
    together), each tool call, and each tool definition."""
    messages: list[str] = []
    calls: list[str] = []
    for m in body.get("messages") or ():
        if not isinstance(m, dict):
            continue
        text = message_text(m)
        if text:
            messages.append(text)
        for call in m.get("tool_calls") or ():
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict):
                calls.append(f"call {fn.get('name', '')}: {fn.get('arguments', '')}")
    messages.extend(prompt_inputs(body))
    segments = [*messages, *calls]
    if len(segments) > 1:
        segments.append("\n".join(segments)[-MAX_CONVERSATION:])
    for tool in body.get("tools") or ():
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict):
            segments.append(f"tool {fn.get('name', '')}: {fn.get('description', '')} "
                            f"{json.dumps(fn.get('parameters', {}))[:1000]}")
    return segments


class Guard:
    def __init__(self, classifier: Classifier, thresholds: dict[str, dict[str, float]],
                 overrides: dict[str, float] | None = None) -> None:
        self.classifier = classifier
        self.categories = classifier.categories
        # Also score the pieces of a framed request (focus.parts)? Measured on the validation split
        # (2026-12-03, a 3-layer model): with them, maths problems scored by the sentence rose to a mean
        # general_harm score of 0.31 (0.07 whole) and the any-category AUC fell from 0.951 to 0.936. Off.
        self.use_parts = False
        # per head: the model's own thresholds (chosen on the validation split), then the operator's
        self.thresholds = {head: {**t, **(overrides or {})} for head, t in thresholds.items()}

    @classmethod
    def load(cls, path: Path | None = None, overrides: dict[str, float] | None = None, threads: int = 1,
             early_exit: bool = True) -> Guard:
        """The model described by ``path`` (an encoder's ``.json`` or an n-gram ``.npz``), default the
        shipped encoder; ``early_exit=False`` runs every layer of a model that has an early exit."""
        from bastion.guard.encoder import EncoderModel, default_model_path

        path = path or default_model_path()
        if path.suffix == ".npz":
            from bastion.guard.ngram import GuardModel

            ngram = GuardModel.load(path)
            return cls(ngram, {"prompt": ngram.thresholds, "answer": ngram.thresholds}, overrides)
        encoder = EncoderModel(path, threads, early_exit)
        return cls(encoder, encoder.meta.thresholds, overrides)

    def _candidates(self, text: str) -> list[str]:
        found = variants(text)
        return [*found, *parts(found[0])] if self.use_parts else found

    def score_many(self, texts: list[str], head: str = "prompt") -> list[dict[str, float]]:
        """Per text, the max score per category over the text and its de-obfuscated variants, from one
        call to the classifier."""
        candidates: list[str] = []
        spans: list[tuple[int, int]] = []
        for t in texts:
            v = list(dict.fromkeys(x for r in regions(t) for x in self._candidates(r))) if t and t.strip() else []
            spans.append((len(candidates), len(candidates) + len(v)))
            candidates.extend(v)
        matrix = self.classifier.scores(candidates, head) if candidates else np.zeros((0, len(self.categories)))
        out = []
        for a, b in spans:
            best = matrix[a:b].max(axis=0) if b > a else np.zeros(len(self.categories))
            out.append({c: float(best[k]) for k, c in enumerate(self.categories)})
        return out

    def assess_texts(self, texts: Iterable[str], head: str = "prompt") -> GuardAssessment:
        """Max score per category over every text and every de-obfuscated variant of it."""
        return self.combine(self.score_many([t for t in texts if t and t.strip()], head), head)

    def combine(self, per_text: list[dict[str, float]], head: str = "prompt") -> GuardAssessment:
        """One assessment from the scores of several texts: the max per category, flagged by ``head``'s
        thresholds."""
        scores = {c: max((s[c] for s in per_text), default=0.0) for c in self.categories}
        limits = self.thresholds[head]
        flagged = [c for c in self.categories if scores[c] >= limits.get(c, 1.01)]
        return GuardAssessment(scores, flagged)

    def assess_request(self, body: dict[str, Any]) -> GuardAssessment:
        return self.assess_texts(request_segments(body))

    def grey(self, a: GuardAssessment, low: float, head: str = "prompt") -> list[str]:
        """Categories scored in the grey band: not flagged, but close enough to ask a judge."""
        limits = self.thresholds[head]
        return [c for c in self.categories if c not in a.flagged and low <= a.scores[c] < limits.get(c, 1.01)]
