"""Where to look in a very long text.

Up to ``FOCUS_CHARS`` a text is scored whole (every token window). Beyond that - padding up to the body
limit - scoring every window would cost seconds of CPU per request, so the text is first compacted
(each repeated paragraph kept once) and, if still long, cut into overlapping regions of which the first,
the last and the most *salient* are scored: those with the taxonomy's hazard words, the shapes of a
request ("how do I", "step by step", "write a script") or an encoded run (base64, hex). One pass of a
few regular expressions over the text ranks all regions. docs/guard.md says what this gives up.
"""

from __future__ import annotations

import re

from bastion.guard.taxonomy import KEYWORD_RULES

FOCUS_CHARS = 12_000
REGION = 600
STRIDE = 300
REGIONS = 16
_ASK = re.compile(r"\b(?:how (?:do|can|would|to)|step[- ]by[- ]step|give me|tell me|write (?:me )?(?:a |the )?"
                  r"(?:code|script|program)|explain how|instructions?|recipe|guide|tutorial|without (?:being|getting)"
                  r" (?:caught|detected)|synthesi[sz]e|bypass|evade)\b", re.I)
_ENCODED = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}|(?:[0-9a-fA-F]{2}[\s:]?){12,}|(?:%[0-9A-Fa-f]{2}){6,}")
_WEIGHTED = [*((3, p) for _, p in KEYWORD_RULES), (1, _ASK), (3, _ENCODED)]


def compact(text: str) -> str:
    """The text with each repeated paragraph (or line) kept once, in order."""
    return "\n".join(dict.fromkeys(p.strip() for p in re.split(r"\n+", text) if p.strip()))


def regions(text: str) -> list[str]:
    """The parts of ``text`` to score: the whole of it when short, else the chosen regions in text order."""
    if len(text) <= FOCUS_CHARS:
        return [text]
    text = compact(text)
    if len(text) <= FOCUS_CHARS:
        return [text]
    starts = [*range(0, len(text) - REGION, STRIDE), len(text) - REGION]
    weight = [0] * len(starts)
    for w, pattern in _WEIGHTED:
        for m in pattern.finditer(text):
            k = m.start() // STRIDE  # the match lies in regions k and k-1
            for j in (k - 1, k):
                if 0 <= j < len(weight):
                    weight[j] += w
    middle = sorted(range(1, len(starts) - 1), key=lambda j: -weight[j])[: REGIONS - 2]
    chosen = sorted({0, len(starts) - 1, *middle})
    return [text[starts[j] : starts[j] + REGION] for j in chosen]


_PART_BREAK = re.compile(r"\n+|:\s+|(?<=[.!?])\s+(?=[A-Z\"'“])")
_QUOTED = re.compile(r"[\"“«']([^\"”»']{20,600})[\"”»']")
MAX_PARTS = 12


def parts(text: str) -> list[str]:
    """The pieces of a framed request, each to be scored on its own as well as within the whole: the
    sentences or lines of a short multi-part prompt, and quoted spans. A wrapper ("write a story in which
    a chemist explains: ...") then cannot lower the score of the request it carries below the request's
    own: the request is one of the pieces."""
    if len(text) > 1500:  # wrappers are short; a long text's windows already isolate its parts
        return []
    pieces = [p.strip() for p in _PART_BREAK.split(text) if len(p.strip()) >= 20]
    pieces += [m.group(1).strip() for m in _QUOTED.finditer(text)]
    pieces = [p for p in dict.fromkeys(pieces) if p != text.strip()]
    return pieces[:MAX_PARTS] if len(pieces) >= 1 else []
