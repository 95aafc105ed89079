"""The append-only audit log: one writer task, group commit, signed checkpoints.

``append`` returns only after the record's transaction committed (invariant 2). Concurrent appends
queue up while a batch commits and go together in the next one, so throughput grows with load while
each caller still waits for its own durable commit. With several processes on one PostgreSQL
database, each batch takes a transaction-scoped advisory lock and first catches up with what the
other writers added, so exactly one sequencer extends the log at a time and the tree stays one.

In memory the log keeps only the tree's right edge (a ``Frontier``, O(log n) hashes) and the last
leaf hash; proofs and older roots read their subtree hashes from the store (``NodeStore``, with a
bounded cache), so the process's memory does not grow with the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bastion.audit.checkpoint import Checkpoint
from bastion.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    ProofError,
    consistency_ranges,
    frontier_coords,
    inclusion_ranges,
    leaf_hash,
)
from bastion.audit.nodes import NodeStore
from bastion.audit.note import NoteSigner
from bastion.audit.records import canonical
from bastion.audit.settings import AuditSettings
from bastion.audit.tables import audit_checkpoints, audit_entries
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
        self.frontier = Frontier()
        self._last_leaf = b""  # the leaf hash at size - 1: the next record's ``prev``
        self.nodes = NodeStore(engine, settings.proof_cache_entries)
        self.checkpoint_size = 0
        self._last_checkpoint_at = time.monotonic()
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._store = batch_writer(engine)

    @property
    def size(self) -> int:
        """Entries durable in the store (as far as this process has seen)."""
        return self.frontier.size

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
        await self.nodes.close()

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
            start = self.size
            frontier = self.frontier.copy()  # adopted only once the batch is durable
            rows, nodes = self._extend(frontier, records)
            note = self._note(frontier) if self._checkpoint_due(frontier.size) else None
            try:
                await self._store.commit(start, rows, nodes, note)
            except LogMoved:  # another process appended: take in its entries, then try again
                await self.refresh()
                continue
            except Exception as exc:  # nothing of the batch is durable
                self._fail(batch, exc)
                return
            self.frontier, self._last_leaf = frontier, rows[-1][2]
            self._noted(note)
            for i, p in enumerate(batch):
                if not p.future.done():
                    p.future.set_result(start + i)
            return
        self._fail(batch, RuntimeError("the log kept moving under this writer"))

    def _fail(self, batch: list[_Pending], exc: BaseException) -> None:
        log.error("audit batch of %d records failed: %s", len(batch), type(exc).__name__)
        for p in batch:
            if not p.future.done():
                p.future.set_exception(AuditUnavailable(f"audit log write failed ({type(exc).__name__})"))

    def _extend(self, frontier: Frontier, records: list[dict[str, Any]]) -> tuple[Rows, Nodes]:
        """Add the records to ``frontier``; return the rows and subtree hashes to store."""
        start = frontier.size
        prev = self._last_leaf.hex()
        rows: Rows = []
        nodes: Nodes = []
        for i, record in enumerate(records):
            # Each record names its predecessor's leaf hash: a change, deletion or swap anywhere is
            # pinned to the first index where the chain breaks, not just to a checkpoint range.
            leaf = canonical({**record, "prev": prev})
            lh = leaf_hash(leaf)
            rows.append((start + i, leaf, lh))
            nodes.extend(frontier.append(lh))
            prev = lh.hex()
        return rows, nodes

    async def _catch_up(self, conn: AsyncConnection) -> None:
        """Take in what other writers appended since we last looked: only the new right edge and last
        leaf hash are read, whatever the log's size."""
        have = self.size
        db_size = await conn.scalar(select(func.coalesce(func.max(audit_entries.c.idx) + 1, 0))) or 0
        if db_size == have:
            return
        if db_size < have:
            raise AuditUnavailable(f"the audit log shrank from {have} to {db_size} entries")
        coords = frontier_coords(db_size)
        known = await self.nodes.hashes([*coords, (0, db_size - 1)])
        self.frontier = Frontier(db_size, [known[c] for c in coords])
        self._last_leaf = known[(0, db_size - 1)]

    # -- checkpoints ---------------------------------------------------------------------
    def _checkpoint_due(self, size: int) -> bool:
        new = size - self.checkpoint_size
        waited = (time.monotonic() - self._last_checkpoint_at) * 1000
        return new >= self.settings.checkpoint_every or (new > 0 and waited >= self.settings.checkpoint_interval_ms)

    def _note(self, frontier: Frontier) -> Note:
        return frontier.size, Checkpoint(self.origin, frontier.size, frontier.root()).sign(self.signer)

    def _noted(self, note: Note) -> None:
        if note is not None:
            self.checkpoint_size = note[0]
            self._last_checkpoint_at = time.monotonic()

    async def _timed_checkpoint(self) -> None:
        for _ in range(5):
            if self.size <= self.checkpoint_size:
                return
            note = self._note(self.frontier)
            try:
                await self._store.commit(self.size, [], [], note)
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

    # -- proofs (hashes read from the store) -----------------------------------------------
    def _within(self, size: int) -> None:
        if size > self.size:
            raise ProofError(f"tree size {size} is beyond the log's size {self.size}")

    async def root(self, size: int | None = None) -> bytes:
        n = self.size if size is None else size
        self._within(n)
        if n == self.size:
            return self.frontier.root()
        return EMPTY_ROOT if n == 0 else (await self.nodes.range_hashes([(0, n)]))[0]

    async def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        self._within(size)
        return await self.nodes.range_hashes(inclusion_ranges(index, size))

    async def inclusion_proofs(self, indices: list[int], size: int) -> dict[int, list[bytes]]:
        """Many proofs against one tree size, their hashes read together (exports)."""
        self._within(size)
        plans = {i: inclusion_ranges(i, size) for i in indices}
        flat = await self.nodes.range_hashes([r for plan in plans.values() for r in plan])
        out: dict[int, list[bytes]] = {}
        pos = 0
        for i, plan in plans.items():
            out[i] = flat[pos : pos + len(plan)]
            pos += len(plan)
        return out

    async def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        self._within(size2)
        return await self.nodes.range_hashes(consistency_ranges(size1, size2))

    async def entry(self, index: int) -> bytes:
        async with self.engine.connect() as conn:
            leaf = await conn.scalar(select(audit_entries.c.leaf).where(audit_entries.c.idx == index))
        if leaf is None:
            raise KeyError(index)
        return bytes(leaf)
