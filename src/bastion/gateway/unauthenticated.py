"""Refusals of unauthenticated requests in the audit log: sampled and counted, not one record each.

Anyone who can reach the port can send junk (no key, a wrong key, a body that does not parse) as
fast as the network allows. One durable record per such refusal would let them grow the log, and
its disk and verification time, without limit and at no cost. So, per process, the first
``per_minute`` refusals that named no principal in each minute are recorded in full, and the rest
are counted by reason; the counts of a minute go into one ``audit.unauthenticated_suppressed``
record with the next record after that minute, or at shutdown. The log's growth from junk is then
bounded (``per_minute`` + 1 records a minute per process) while it still shows that junk came, how
much and why it was refused. Refusals of an authenticated principal, internal errors and every
allowed request are recorded in full, as before; Prometheus counts every refusal by reason.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bastion.gateway.context import RequestContext
from bastion.gateway.hooks import AdminRecorder, DecisionRecorder

WINDOW_S = 60.0
SUPPRESSED_ACTION = "audit.unauthenticated_suppressed"


def is_unauthenticated_refusal(ctx: RequestContext, phase: str) -> bool:
    """Refused before the upstream (phase ``decision``) with no principal known, for a reason the
    client controls (not ``internal``). The records of a forwarded request are never sampled."""
    return phase == "decision" and ctx.principal is None and ctx.final.denied and ctx.final.reason != "internal"


class SampledRefusals:
    """A DecisionRecorder that samples unauthenticated refusals and passes everything else through."""

    def __init__(self, inner: DecisionRecorder, record_admin: AdminRecorder, per_minute: int, actor: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.inner = inner
        self.record_admin = record_admin
        self.per_minute = per_minute
        self.actor = actor
        self.clock = clock
        self.window_start = clock()
        self.window_started_at = time.time()
        self.recorded = 0
        self.suppressed: Counter[str] = Counter()
        self._flushing = asyncio.Lock()

    async def __call__(self, ctx: RequestContext, phase: str) -> None:
        if self.clock() - self.window_start >= WINDOW_S:
            await self.flush()
        sampled = is_unauthenticated_refusal(ctx, phase)
        if not sampled or self.recorded < self.per_minute:
            self.recorded += sampled
            await self.inner(ctx, phase)
            return
        self.suppressed[ctx.final.reason] += 1

    async def flush(self) -> None:
        """Close the current window: append its suppressed counts (if any) and start a new one."""
        async with self._flushing:
            counts, started_at = dict(self.suppressed), self.window_started_at
            self.suppressed = Counter()
            self.recorded = 0
            self.window_start = self.clock()
            self.window_started_at = time.time()
            if not counts:
                return
            details: dict[str, Any] = {"from": round(started_at, 3), "to": round(time.time(), 3),
                                       "suppressed": counts, "recorded_in_full_per_minute": self.per_minute}
            try:
                await self.record_admin(SUPPRESSED_ACTION, self.actor, details)
            except Exception:
                self.suppressed.update(counts)  # not lost: they go with the next window's record
                raise
