"""Styles that the written data cannot cover one line at a time, applied to training prompts:
padding (the ask before, after or inside unrelated text), conversations (the ask in any turn),
fiction / role-play / research frames, and partial disguises. Each is applied to unsafe and safe
prompts alike, so that the frame itself carries no evidence either way, and keeps the example's group
(and therefore its split).
"""

from __future__ import annotations

import random
from dataclasses import replace

from training.guard.sources import Example

_TURNS = ["Hi! Can you help me with something?", "Thanks, that was useful.", "Sure, go on.",
          "Ok next question.", "I have a few questions for a project.", "Great, one more thing.",
          "Hello there", "Can you keep answers short?", "That makes sense.", "Let me ask something else."]
_REPLIES = ["Of course - what do you need?", "Happy to help.", "Sure, here is a short answer.",
            "Glad it helped! What's next?", "Certainly.", "Here you go."]
_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"})
_LOOKALIKE = str.maketrans({"a": "а", "e": "е", "o": "о", "c": "с", "p": "р"})


def _clip_words(text: str, n: int) -> str:
    w = text.split()
    return " ".join(w[:n])


def padded(e: Example, filler: list[str], rng: random.Random) -> Example:
    """The prompt with unrelated text before, after or around it (kept short enough that the model's
    128-token window holds the whole of it: at inference, windows slide over longer texts)."""
    pad = _clip_words(rng.choice(filler), rng.randint(20, 90))
    where = rng.choice(["before", "after", "around"])
    if where == "before":
        text = f"{pad}\n\n{e.text}"
    elif where == "after":
        text = f"{e.text}\n\n{pad}"
    else:
        half = len(pad.split()) // 2
        text = f"{_clip_words(pad, half)}\n{e.text}\n{' '.join(pad.split()[half:])}"
    return replace(e, text=text, style="padded")


def conversation(e: Example, rng: random.Random) -> Example:
    """The ask as one turn among harmless ones, flattened as the guard's conversation segment is."""
    before = [f"user: {rng.choice(_TURNS)}\nassistant: {rng.choice(_REPLIES)}" for _ in range(rng.randint(0, 2))]
    after = [f"assistant: {rng.choice(_REPLIES)}\nuser: {rng.choice(_TURNS)}"] if rng.random() < 0.4 else []
    return replace(e, text="\n".join([*before, f"user: {e.text}", *after]), style="multi_turn")


def wrapped(e: Example, templates: list[str], rng: random.Random) -> Example:
    return replace(e, text=rng.choice(templates).replace("{request}", e.text), style="wrapped")


def disguised(e: Example, rng: random.Random) -> Example:
    """Some words in leetspeak or Cyrillic look-alikes: what is left when de-obfuscation misses a word."""
    table = _LEET if rng.random() < 0.5 else _LOOKALIKE
    words = [w.translate(table) if rng.random() < 0.5 else w for w in e.text.split()]
    return replace(e, text=" ".join(words), style="disguised")


def augment(train: list[Example], filler: list[str], templates: list[str], seed: int = 7) -> list[Example]:
    """Extra styled copies of short training prompts (more than one in two gets one)."""
    rng = random.Random(seed)
    out: list[Example] = []
    for e in train:
        if e.kind != "prompt" or len(e.text) > 500 or e.labels & {"jailbreak", "prompt_injection"}:
            continue
        roll = rng.random()
        if roll < 0.25 and filler:
            out.append(padded(e, filler, rng))
        elif roll < 0.37:
            out.append(conversation(e, rng))
        elif roll < 0.52 and templates:
            out.append(wrapped(e, templates, rng))
        elif roll < 0.57:
            out.append(disguised(e, rng))
    return out
