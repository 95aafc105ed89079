"""The gateway's side of the monitor: one event per decided request, handed off the hot path.

``offer`` runs on the request path, after the decision's audit record is durable. It copies a few
fields off the request context into a bounded queue and returns; it never awaits and never raises
(a full queue drops the event and counts it in ``bastion_monitor_dropped_total``). A background
task drains the queue in batches: it fingerprints the prompts (on the event loop, one at a time, yielding
between them), drops the text, and hands the events to a sink: a Redis Stream, or the in-process
engine. A sink that fails loses that batch (counted), never a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from bastion.monitor.events import MonitorEvent
from bastion.monitor.fingerprint import Fingerprinter
from bastion.monitor.metrics import DROPPED, EVENTS
from bastion.monitor.wire import encode

log = logging.getLogger("bastion.monitor")

# A captured request: the event's fields and the prompt text, which lives only until the drain
# fingerprints it (in this process's memory; it is never written anywhere by the monitor).
Captured = tuple[float, str, str, str | None, str, str | None, str, int, int, str, str | None,
                 tuple[str, ...], dict[str, float], str | None, str]


class Sink(Protocol):
    async def publish(self, events: Sequence[MonitorEvent]) -> None: ...

    async def close(self) -> None: ...


def capture(ctx: Any) -> Captured | None:
    """The event's fields from a gateway ``RequestContext``; None when no principal was resolved (an
    unauthenticated refusal belongs to no account) and for ``GET /v1/models``."""
    p = ctx.principal
    if p is None or ctx.route == "models":  # listing models uses no model
        return None
    final = ctx.final
    gi, go = ctx.guard_input, ctx.guard_output
    flagged: tuple[str, ...] = tuple(gi.flagged) if gi is not None else ()
    if go is not None and go.flagged:
        flagged += tuple(go.flagged)
    return (ctx.received_at, p.org_id, p.key_id, p.user_id, ctx.client_ip or "0.0.0.0", ctx.request_country,
            ctx.model or "", ctx.prompt_tokens, ctx.completion_tokens, str(final.decision),
            None if final.reason == "ok" else final.reason, flagged, gi.scores if gi is not None else {},
            p.country, ctx.prompt_text())


def to_event(c: Captured, fingerprinter: Fingerprinter) -> MonitorEvent:
    ts, org, key, user, ip, country, model, pt, ct, decision, reason, flagged, scores, kyc, text = c
    return MonitorEvent(ts=ts, org=org, key=key, ip=ip, country=country, model=model, prompt_tokens=pt,
                        completion_tokens=ct, decision=decision, flagged=flagged, user=user, kyc_country=kyc,
                        scores=scores, reason=reason, fingerprint=fingerprinter.fingerprint(text))


class Emitter:
    def __init__(self, fingerprinter: Fingerprinter, sink: Sink, queue_size: int = 10_000, batch: int = 256) -> None:
        self.fingerprinter = fingerprinter
        self.sink = sink
        self.queue: asyncio.Queue[Captured] = asyncio.Queue(queue_size)
        self.batch = batch
        self.task: asyncio.Task[None] | None = None

    def offer(self, ctx: Any) -> None:
        """The hot-path step: capture and enqueue, or drop and count. Never raises."""
        try:
            c = capture(ctx)
            if c is not None:
                self.queue.put_nowait(c)
        except asyncio.QueueFull:
            DROPPED.labels("queue_full").inc()
        except Exception:  # a monitor bug must not become a request failure
            DROPPED.labels("capture_error").inc()
            log.exception("monitor: could not capture an event")

    def start(self) -> None:
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._drain(), name="bastion-monitor-drain")

    async def _drain(self) -> None:
        while True:
            items = [await self.queue.get()]
            while len(items) < self.batch and not self.queue.empty():
                items.append(self.queue.get_nowait())
            await self._publish(items)

    async def _publish(self, items: list[Captured]) -> None:
        try:
            # On the loop, one event at a time, yielding between them: a thread would hold the GIL for
            # whole batches and every request would wait out switch intervals (5 ms each) to run again.
            events = []
            for c in items:
                events.append(to_event(c, self.fingerprinter))
                await asyncio.sleep(0)
            await self.sink.publish(events)
            EVENTS.inc(len(events))
        except Exception as exc:
            DROPPED.labels("sink_error").inc(len(items))
            log.warning("monitor: %d events dropped: %s", len(items), type(exc).__name__)

    async def flush(self) -> None:
        """Publish what is queued now (tests, shutdown)."""
        items: list[Captured] = []
        while not self.queue.empty():
            items.append(self.queue.get_nowait())
        if items:
            await self._publish(items)

    async def close(self) -> None:
        task, self.task = self.task, None
        if task is not None and task.get_loop() is asyncio.get_running_loop():  # else its loop is gone
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await self.flush()
        await self.sink.close()


class RedisSink:
    """XADD each event to the stream, capped near ``maxlen`` (approximate trimming is O(1))."""

    def __init__(self, url: str, stream: str, maxlen: int) -> None:
        import redis.asyncio as aioredis

        # Short timeouts: a Redis that hangs must not pile up the drain.
        self.client = aioredis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.stream = stream
        self.maxlen = maxlen

    async def publish(self, events: Sequence[MonitorEvent]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for ev in events:
            pipe.xadd(self.stream, {"e": encode(ev)}, maxlen=self.maxlen, approximate=True)
        await pipe.execute()

    async def close(self) -> None:
        await self.client.aclose()
