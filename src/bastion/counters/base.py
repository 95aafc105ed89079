"""Sliding-window counters for rate limits: in-process by default, Redis when shared.

Both back-ends use the same estimate (the one Cloudflare and nginx-style limiters use): two fixed
windows, the previous one weighted by how much of it still overlaps the sliding window. It needs
two integers per key and is exact to within the rate change inside one window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

WINDOW_S = 60.0


@dataclass(frozen=True, slots=True)
class Limit:
    """One counter to check: ``key`` may take ``cost`` more if its estimate stays within ``limit``."""

    key: str
    limit: int
    cost: int = 1


@dataclass(frozen=True, slots=True)
class Outcome:
    allowed: bool
    # When refused: which key refused, its current estimate, and seconds until it may pass.
    key: str | None = None
    estimate: float = 0.0
    retry_after_s: float = 0.0


def estimate(prev: float, curr: float, now: float, window: float = WINDOW_S) -> float:
    elapsed = now % window
    return prev * (1.0 - elapsed / window) + curr


def retry_after(prev: float, curr: float, cost: int, limit: int, now: float, window: float = WINDOW_S) -> float:
    """Seconds until ``cost`` more fits, assuming no other traffic arrives meanwhile."""
    elapsed = now % window
    room = limit - cost - curr
    if prev > 0 and room >= 0:
        # prev * (1 - t/window) <= room  =>  t >= window * (1 - room / prev)
        t = window * (1.0 - room / prev)
        return max(0.0, t - elapsed)
    # The current window itself is full: wait for it to become the (decaying) previous one.
    after_roll = window - elapsed
    if curr + cost <= limit:
        return after_roll
    t = window * (1.0 - (limit - cost) / curr) if curr > 0 else 0.0
    return after_roll + max(0.0, t)


class Counters(Protocol):
    async def check_and_add(self, limits: Sequence[Limit], now: float) -> Outcome:
        """Atomically: if every limit has room for its cost, add all costs; else add nothing."""
        ...

    async def add(self, key: str, amount: int, now: float) -> None:
        """Record usage known only afterwards (tokens from the upstream's ``usage``)."""
        ...

    async def close(self) -> None: ...


def window_index(now: float, window: float = WINDOW_S) -> int:
    return math.floor(now / window)
