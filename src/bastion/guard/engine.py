"""The guard: score a request (every message, tool definitions and tool calls), an answer, or a
window of a stream, after de-obfuscation, and say which categories are flagged.

Pure: text in, ``GuardAssessment`` out. The model is loaded once; a request costs one vectorisation
of a handful of variants (the text and its decodings).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bastion.gateway.context import GuardAssessment, message_text, prompt_inputs
from bastion.guard.deobfuscate import variants
from bastion.guard.model import MODEL_DIR, GuardModel

MAX_SEGMENT = 4000


def request_segments(body: dict[str, Any]) -> list[str]:
    """The texts of a request to score: the whole conversation, and each tool definition / call.

    The conversation is scored as one text (a payload split across messages is put back together)
    and the last user message alone (so a long, benign history does not dilute it).
    """
    parts: list[str] = []
    last_user = ""
    for m in body.get("messages") or ():
        if not isinstance(m, dict):
            continue
        joined = message_text(m)
        if joined:
            parts.append(joined)
            if m.get("role") == "user":
                last_user = joined
        for call in m.get("tool_calls") or ():
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict):
                parts.append(f"call {fn.get('name', '')}: {fn.get('arguments', '')}")
    parts.extend(prompt_inputs(body))
    segments = []
    if parts:
        conversation = "\n".join(parts)
        segments.append(conversation[-MAX_SEGMENT * 2 :])
        if last_user and last_user != conversation:
            segments.append(last_user)
    for tool in body.get("tools") or ():
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict):
            segments.append(f"tool {fn.get('name', '')}: {fn.get('description', '')} "
                            f"{json.dumps(fn.get('parameters', {}))[:1000]}")
    return segments


class Guard:
    def __init__(self, model: GuardModel, thresholds: dict[str, float] | None = None) -> None:
        self.model = model
        self.thresholds = {**model.thresholds, **(thresholds or {})}
        self.categories = model.categories

    @classmethod
    def load(cls, path: Path | None = None, design: str = "ngram",
             thresholds: dict[str, float] | None = None) -> Guard:
        return cls(GuardModel.load(path or MODEL_DIR / f"guard-{design}.npz"), thresholds)

    def assess_texts(self, texts: Iterable[str]) -> GuardAssessment:
        """Max score per category over every text and every de-obfuscated variant of it."""
        candidates: list[str] = []
        for t in texts:
            if t and t.strip():
                candidates.extend(variants(t))
        if not candidates:
            return GuardAssessment({c: 0.0 for c in self.categories}, [])
        matrix = self.model.scores(candidates)
        best = matrix.max(axis=0)
        scores = {c: float(best[k]) for k, c in enumerate(self.categories)}
        flagged = [c for c in self.categories if scores[c] >= self.thresholds[c]]
        return GuardAssessment(scores, flagged)

    def assess_request(self, body: dict[str, Any]) -> GuardAssessment:
        return self.assess_texts(request_segments(body))

    def grey(self, a: GuardAssessment, low: float) -> list[str]:
        """Categories scored in the grey band: not flagged, but close enough to ask a judge."""
        return [c for c in self.categories if c not in a.flagged and low <= a.scores[c] < self.thresholds[c]]
