"""The append-only audit log: one writer task, group commit, signed checkpoints.

``append`` returns only after the record's transaction committed (invariant 2). Concurrent appends
queue up while a batch commits and go together in the next one, so throughput grows with load while
each caller still waits for its own durable commit. With several processes on one PostgreSQL
database, each batch takes a transaction-scoped advisory lock and first catches up with what the
other writers added, so exactly one sequencer extends the log at a time and the tree stays one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bastion.audit.checkpoint import Checkpoint
from bastion.audit.merkle import TreeHashes, leaf_hash
from bastion.audit.note import NoteSigner
from bastion.audit.records import canonical
from bastion.audit.settings import AuditSettings
from bastion.audit.tables import audit_checkpoints, audit_entries, audit_nodes
from bastion.audit.writer import LogMoved, Nodes, Note, Rows, batch_writer

log = logging.getLogger("bastion.audit")


class AuditUnavailable(RuntimeError):
    """The record could not be made durable; the caller must fail the request (fail closed)."""


@dataclass(slots=True)
class _Pending:
    record: dict[str, Any]
    future: asyncio.Future[int]


class AuditLog:
    def __init__(self, engine: AsyncEngine, signer: NoteSigner, settings: AuditSettings) -> None:
        self.engine = engine
        self.signer = signer
        self.settings = settings
        self.origin = settings.origin
        self.tree = TreeHashes()
        self.checkpoint_size = 0
        self._last_checkpoint_at = time.monotonic()
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._store = batch_writer(engine)

    # -- life cycle ----------------------------------------------------------------------
    async def open(self, writer: bool = True) -> AuditLog:
        async with self.engine.connect() as conn:
            await self._catch_up(conn)
            self.checkpoint_size = await conn.scalar(select(func.coalesce(func.max(audit_checkpoints.c.size), 0))) or 0
        if writer:
            self._writer = asyncio.create_task(self._run(), name="audit-writer")
        return self

    async def close(self) -> None:
        """Drain the queue, sign a last checkpoint, stop the writer."""
        if self._writer is not None:
            await self._queue.put(None)
            await self._writer
            self._writer = None
        await self._timed_checkpoint()
        await self._store.close()

    # -- appending -----------------------------------------------------------------------
    async def append(self, record: dict[str, Any]) -> int:
        """Append one record; returns its index once it is durable. Raises AuditUnavailable."""
        if self._writer is None or self._writer.done():
            raise AuditUnavailable("the audit writer is not running")
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(record, fut))
        return await fut

    async def _run(self) -> None:
        interval = self.settings.checkpoint_interval_ms / 1000
        stopping = False
        while not stopping:
            try:
                first = await asyncio.wait_for(self._queue.get(), interval)
            except TimeoutError:
                await self._timed_checkpoint()
                continue
            batch: list[_Pending] = []
            if first is None:
                stopping = True
            else:
                batch.append(first)
            while len(batch) < self.settings.batch_max and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                    continue
                batch.append(item)
            if batch:
                await self._commit_batch(batch)

    async def _commit_batch(self, batch: list[_Pending]) -> None:
        records = [p.record for p in batch]
        for _ in range(20):
            start = self.tree.size
            rows, nodes = self._extend(records)
            note = self._note() if self._checkpoint_due() else None
            try:
                await self._store.commit(start, rows, nodes, note)
            except LogMoved:  # another process appended: take in its entries, then try again
                self.tree.truncate(start)
                await self.refresh()
                continue
            except Exception as exc:  # nothing of the batch is durable
                self.tree.truncate(start)
                self._fail(batch, exc)
                return
            self._noted(note)
            for i, p in enumerate(batch):
                if not p.future.done():
                    p.future.set_result(start + i)
            return
        self.tree.truncate(start)
        self._fail(batch, RuntimeError("the log kept moving under this writer"))

    def _fail(self, batch: list[_Pending], exc: BaseException) -> None:
        log.error("audit batch of %d records failed: %s", len(batch), type(exc).__name__)
        for p in batch:
            if not p.future.done():
                p.future.set_exception(AuditUnavailable(f"audit log write failed ({type(exc).__name__})"))

    def _extend(self, records: list[dict[str, Any]]) -> tuple[Rows, Nodes]:
        """Add the records to the in-memory tree; return the rows and subtree hashes to store."""
        tree = self.tree
        start = tree.size
        prev = tree.node(0, start - 1).hex() if start else ""
        rows: Rows = []
        nodes: Nodes = []
        for i, record in enumerate(records):
            # Each record names its predecessor's leaf hash: a change, deletion or swap anywhere is
            # pinned to the first index where the chain breaks, not just to a checkpoint range.
            leaf = canonical({**record, "prev": prev})
            lh = leaf_hash(leaf)
            rows.append((start + i, leaf, lh))
            nodes.extend(tree.append(lh))
            prev = lh.hex()
        return rows, nodes

    async def _catch_up(self, conn: AsyncConnection) -> None:
        """Load what other writers appended since we last looked (all of it, at start-up)."""
        have = self.tree.size
        db_size = await conn.scalar(select(func.coalesce(func.max(audit_entries.c.idx) + 1, 0))) or 0
        if db_size == have:
            return
        if db_size < have:
            raise AuditUnavailable(f"the audit log shrank from {have} to {db_size} entries")
        if have == 0:
            await self._load_stored(conn)
            return
        rows = await conn.execute(select(audit_entries.c.leaf_hash).where(audit_entries.c.idx >= have)
                                  .order_by(audit_entries.c.idx))
        for (lh,) in rows:
            self.tree.append(bytes(lh))

    async def _load_stored(self, conn: AsyncConnection) -> None:
        """Rebuild the in-memory tree from stored leaf and subtree hashes, without rehashing."""
        result = await conn.stream(select(audit_entries.c.leaf_hash).order_by(audit_entries.c.idx))
        level0 = self.tree.levels[0]
        async for part in result.partitions(10_000):
            for (lh,) in part:
                level0 += lh
        result = await conn.stream(select(audit_nodes.c.level, audit_nodes.c.idx, audit_nodes.c.hash)
                                   .order_by(audit_nodes.c.level, audit_nodes.c.idx))
        async for part in result.partitions(10_000):
            for level, idx, h in part:
                self.tree.set_node(level, idx, bytes(h))

    # -- checkpoints ---------------------------------------------------------------------
    def _checkpoint_due(self) -> bool:
        new = self.tree.size - self.checkpoint_size
        waited = (time.monotonic() - self._last_checkpoint_at) * 1000
        return new >= self.settings.checkpoint_every or (new > 0 and waited >= self.settings.checkpoint_interval_ms)

    def _note(self) -> Note:
        size = self.tree.size
        return size, Checkpoint(self.origin, size, self.tree.root(size)).sign(self.signer)

    def _noted(self, note: Note) -> None:
        if note is not None:
            self.checkpoint_size = note[0]
            self._last_checkpoint_at = time.monotonic()

    async def _timed_checkpoint(self) -> None:
        for _ in range(5):
            if self.tree.size <= self.checkpoint_size:
                return
            note = self._note()
            try:
                await self._store.commit(self.tree.size, [], [], note)
            except LogMoved:
                await self.refresh()
                continue
            except Exception as exc:  # a missed checkpoint is retried at the next tick
                log.warning("checkpoint failed: %s", type(exc).__name__)
                return
            self._noted(note)
            return

    # -- reading -------------------------------------------------------------------------
    async def latest_checkpoint(self) -> tuple[Checkpoint, str] | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(audit_checkpoints.c.note)
                                      .order_by(audit_checkpoints.c.size.desc()).limit(1))).first()
        if row is None:
            return None
        return Checkpoint.open(row[0], self.signer.verifier), row[0]

    async def refresh(self) -> None:
        async with self.engine.connect() as conn:
            await self._catch_up(conn)

    async def entry(self, index: int) -> bytes:
        async with self.engine.connect() as conn:
            leaf = await conn.scalar(select(audit_entries.c.leaf).where(audit_entries.c.idx == index))
        if leaf is None:
            raise KeyError(index)
        return bytes(leaf)


async def stop_quietly(audit: AuditLog) -> None:
    with contextlib.suppress(Exception):
        await audit.close()
