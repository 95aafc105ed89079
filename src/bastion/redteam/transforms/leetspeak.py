"""Leetspeak: letters replaced by look-alike digits, which breaks exact-word matching."""

from __future__ import annotations

import random

from bastion.redteam.transforms import Message, Transform, user

LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
UNLEET = {v: k for k, v in LEET.items()}


def leet(text: str) -> str:
    return "".join(LEET.get(c.lower(), c) for c in text)


def unleet(text: str) -> str:
    """The inverse for text that had no digits of its own (lower case comes back)."""
    return "".join(UNLEET.get(c, c) for c in text)


class Leetspeak(Transform):
    name = "leetspeak"
    description = "Letters a, e, i, o, s, t written as 4, 3, 1, 0, 5, 7."

    def messages(self, prompt: str, rng: random.Random) -> list[Message]:
        return user(leet(prompt))


TRANSFORM = Leetspeak()
