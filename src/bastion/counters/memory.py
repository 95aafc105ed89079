"""In-process counters: one dict, no locks needed (the event loop runs one coroutine at a time)."""

from __future__ import annotations

from collections.abc import Sequence

from bastion.counters.base import WINDOW_S, Limit, Outcome, estimate, retry_after, window_index


class MemoryCounters:
    def __init__(self, window: float = WINDOW_S) -> None:
        self.window = window
        # key -> [window index, previous window count, current window count]
        self._slots: dict[str, list[float]] = {}

    def _slot(self, key: str, now: float) -> list[float]:
        idx = window_index(now, self.window)
        slot = self._slots.get(key)
        if slot is None:
            slot = [idx, 0.0, 0.0]
            self._slots[key] = slot
        elif slot[0] != idx:
            slot[1] = slot[2] if slot[0] == idx - 1 else 0.0
            slot[2] = 0.0
            slot[0] = idx
        return slot

    async def check_and_add(self, limits: Sequence[Limit], now: float) -> Outcome:
        slots = [self._slot(lim.key, now) for lim in limits]
        for lim, slot in zip(limits, slots, strict=True):
            est = estimate(slot[1], slot[2], now, self.window)
            if est + lim.cost > lim.limit:
                wait = retry_after(slot[1], slot[2], lim.cost, lim.limit, now, self.window)
                return Outcome(False, lim.key, est, wait)
        for lim, slot in zip(limits, slots, strict=True):
            slot[2] += lim.cost
        return Outcome(True)

    async def add(self, key: str, amount: int, now: float) -> None:
        self._slot(key, now)[2] += amount

    async def close(self) -> None:
        self._slots.clear()
