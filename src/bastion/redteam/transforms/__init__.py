"""Transforms: how a harmful request is dressed up before it is sent. One module per transform, found
by name (``pkgutil``), so a new attack is one new file exporting ``TRANSFORM``.

A static ``Transform`` turns the prompt into the chat messages to send; it needs no attacker model and
is deterministic given its ``random.Random`` (seeded per attempt, so a resumed run sends the same bytes).
A ``Strategy`` (Crescendo, PAIR) talks to the target over several turns and needs an attacker endpoint.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

Message = dict[str, str]


def user(text: str) -> list[Message]:
    return [{"role": "user", "content": text}]


class Transform(ABC):
    name: ClassVar[str]
    description: ClassVar[str]
    needs_attacker: ClassVar[bool] = False

    @abstractmethod
    def messages(self, prompt: str, rng: random.Random) -> list[Message]:
        """The conversation to send for ``prompt``."""

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "needs_attacker": self.needs_attacker}


@dataclass
class TurnReply:
    """What a strategy sees of one target reply: its text, and whether it was a refusal or a block."""

    text: str
    refused: bool
    blocked: bool = False
    failed: bool = False  # the request failed (error after retries); the strategy should stop


@dataclass
class StrategyResult:
    messages: list[Message]  # the final conversation sent (for the record's request hash)
    answer: str
    turns: int
    notes: list[str] = field(default_factory=list)


# ask(messages) -> the target's reply; attack(messages) -> the attacker model's text
AskTarget = Callable[[list[Message]], Awaitable[TurnReply]]
AskAttacker = Callable[[list[Message]], Awaitable[str]]


class Strategy(Transform):
    """A multi-turn attack driven by an attacker model."""

    needs_attacker: ClassVar[bool] = True

    def messages(self, prompt: str, rng: random.Random) -> list[Message]:
        return user(prompt)  # the opening turn only; ``run`` does the rest

    @abstractmethod
    async def run(self, prompt: str, ask: AskTarget, attacker: AskAttacker, rng: random.Random) -> StrategyResult:
        """Attack ``prompt`` over several turns."""


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load_transform(name: str) -> Transform:
    if name not in available():
        raise ValueError(f"unknown transform {name!r} (known: {', '.join(available())})")
    module = importlib.import_module(f"{__name__}.{name}")
    transform = getattr(module, "TRANSFORM", None)
    if not isinstance(transform, Transform) or transform.name != name:
        raise ValueError(f"transform module {name!r} does not export TRANSFORM named {name!r}")
    return transform
