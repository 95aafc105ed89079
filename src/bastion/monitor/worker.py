"""``bastion monitor run``: a consumer-group reader of the gateway's event stream feeding the engine.

Several workers may share one group (each event goes to one of them). An event is acknowledged
(XACK) only after the engine has taken it and any action it caused is recorded, so a worker killed
in between leaves it pending. Every worker first re-claims (XAUTOCLAIM) events that another consumer
left pending for longer than ``claim_idle_ms``, then reads new ones. Delivery is at least once: a
re-claimed event may have been observed by the crashed worker too, whose state died with it.

Engine state is the worker's own memory; two workers each see the accounts whose events they got
(docs/monitor.md, "Known gaps").
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bastion.monitor.actions import EngineFeed
from bastion.monitor.events import MonitorEvent
from bastion.monitor.settings import MonitorSettings
from bastion.monitor.wire import decode

log = logging.getLogger("bastion.monitor")
Entry = tuple[bytes, dict[bytes, bytes]]


class StreamWorker:
    def __init__(self, client: Any, settings: MonitorSettings, consumer: str, feed: EngineFeed) -> None:
        self.client = client  # redis.asyncio.Redis
        self.stream = settings.stream
        self.group = settings.group
        self.claim_idle_ms = settings.claim_idle_ms
        self.batch = settings.batch
        self.consumer = consumer
        self.feed = feed
        self.processed = 0
        self.reclaimed = 0
        self.cases: list[dict[str, Any]] = []

    async def ensure_group(self) -> None:
        try:
            await self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except Exception as exc:  # the group exists (BUSYGROUP): every worker but the first
            if "BUSYGROUP" not in str(exc):
                raise

    async def reclaim(self) -> int:
        """Take over events other consumers left pending (a crash before XACK); returns how many."""
        start, total = "0-0", 0
        while True:
            reply = await self.client.xautoclaim(self.stream, self.group, self.consumer, self.claim_idle_ms,
                                                 start_id=start, count=self.batch)
            start, entries = reply[0], [e for e in reply[1] if e[1] is not None]
            if entries:
                await self._process(entries)
                total += len(entries)
            if start in (b"0-0", "0-0"):
                break
        self.reclaimed += total
        return total

    async def read(self, block_ms: int | None) -> int:
        """Read and process one batch of new events; returns how many."""
        reply = await self.client.xreadgroup(self.group, self.consumer, {self.stream: ">"}, count=self.batch,
                                             block=block_ms)
        entries: list[Entry] = [e for _, batch in reply or () for e in batch]
        if entries:
            await self._process(entries)
        return len(entries)

    async def _process(self, entries: list[Entry]) -> None:
        events: list[MonitorEvent] = []
        for entry_id, fields in entries:
            try:
                events.append(decode(fields[b"e"]))
            except Exception:  # a malformed entry is acknowledged and counted, not retried for ever
                log.warning("monitor: skipped malformed stream entry %s", entry_id.decode(errors="replace"))
        events.sort(key=lambda e: e.ts)  # the engine expects time order; a batch may mix re-claimed ones
        self.cases.extend(await self.feed.feed(events))
        await self.client.xack(self.stream, self.group, *[e[0] for e in entries])
        self.processed += len(entries)

    async def drain(self) -> int:
        """Re-claim, then read until the stream has nothing new (``--once``, tests)."""
        await self.ensure_group()
        n = await self.reclaim()
        while (got := await self.read(None)) > 0:
            n += got
        return n

    async def run(self, stop: asyncio.Event, block_ms: int = 1000) -> None:
        await self.ensure_group()
        claim_every_s = max(1.0, self.claim_idle_ms / 2000)
        loop = asyncio.get_running_loop()
        next_claim = 0.0
        while not stop.is_set():
            try:
                if loop.time() >= next_claim:
                    await self.reclaim()
                    next_claim = loop.time() + claim_every_s
                await self.read(block_ms)
            except Exception as exc:  # Redis away: wait and retry; pending events stay pending
                log.warning("monitor: stream read failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(1.0)
