"""Durable batch writes for the audit log: one transaction per batch, on the database's terms.

* SQLite: a dedicated connection on one thread; the whole batch (``BEGIN IMMEDIATE``, the size
  check, the inserts, an optional checkpoint, ``COMMIT``) is one trip to that thread. ``BEGIN
  IMMEDIATE`` takes the write lock first, so another process appending meanwhile is seen, never
  clobbered. WAL with ``synchronous=FULL``: the WAL is fsynced at every commit, so a committed
  batch survives an OS crash or power loss, not only a killed process.
* PostgreSQL: the shared async engine; a transaction-scoped advisory lock makes this process the
  one sequencer for the batch, and ``synchronous_commit`` is set ``on`` for the batch's transaction
  whatever the server's or role's default, so COMMIT returns only once the WAL is flushed.

One fsync per batch, not per record: group commit is what keeps the throughput.

Both refuse a batch (``LogMoved``) when the log grew under us since we last looked; the caller
catches up and retries.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.audit.tables import audit_checkpoints, audit_entries, audit_nodes

SEQUENCER_LOCK = 0x6261_7374_696F_6E  # "bastion": the advisory lock id of the log's sequencer

Rows = list[tuple[int, bytes, bytes]]  # (idx, leaf, leaf hash)
Nodes = list[tuple[int, int, bytes]]  # (level, idx, hash)
Note = tuple[int, str] | None  # (tree size, signed checkpoint)


class LogMoved(Exception):
    """Another writer appended since we last looked; ``size`` is the log's size now."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class BatchWriter(Protocol):
    async def commit(self, start: int, rows: Rows, nodes: Nodes, note: Note) -> None: ...

    async def close(self) -> None: ...


class SqliteWriter:
    def __init__(self, path: str) -> None:
        self.path = path
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="audit-sqlite")
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # fsync the WAL at each commit: survives power loss
            conn.execute("PRAGMA busy_timeout=30000")
            self._conn = conn
        return self._conn

    def _commit(self, start: int, rows: Rows, nodes: Nodes, note: Note) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            size = conn.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_entries").fetchone()[0]
            if size != start:
                raise LogMoved(size)
            if rows:
                conn.executemany("INSERT INTO audit_entries (idx, leaf, leaf_hash) VALUES (?, ?, ?)", rows)
            if nodes:
                conn.executemany("INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)
            if note is not None:
                conn.execute("INSERT OR IGNORE INTO audit_checkpoints (size, note) VALUES (?, ?)", note)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    async def commit(self, start: int, rows: Rows, nodes: Nodes, note: Note) -> None:
        await asyncio.get_running_loop().run_in_executor(self._pool, self._commit, start, rows, nodes, note)

    async def close(self) -> None:
        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await asyncio.get_running_loop().run_in_executor(self._pool, shut)
        self._pool.shutdown(wait=True)


class EngineWriter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    async def commit(self, start: int, rows: Rows, nodes: Nodes, note: Note) -> None:
        async with self.engine.begin() as conn:
            if self.postgres:
                # A server or role may default to off (commits acknowledged before the WAL flush).
                await conn.execute(text("SET LOCAL synchronous_commit TO on"))
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEQUENCER_LOCK})
            size = await conn.scalar(select(func.coalesce(func.max(audit_entries.c.idx) + 1, 0))) or 0
            if size != start:
                raise LogMoved(size)
            if rows:
                entries = [{"idx": i, "leaf": lf, "leaf_hash": h} for i, lf, h in rows]
                await conn.execute(audit_entries.insert(), entries)
            if nodes:
                await conn.execute(audit_nodes.insert(), [{"level": lv, "idx": i, "hash": h} for lv, i, h in nodes])
            if note is not None:
                exists = await conn.scalar(select(func.count()).select_from(audit_checkpoints)
                                           .where(audit_checkpoints.c.size == note[0]))
                if not exists:
                    await conn.execute(audit_checkpoints.insert().values(size=note[0], note=note[1]))

    async def close(self) -> None:
        return None


def batch_writer(engine: AsyncEngine) -> BatchWriter:
    url: Any = engine.url
    if engine.dialect.name == "sqlite":
        database = make_url(str(url)).database
        if database and database != ":memory:":
            return SqliteWriter(database)
    return EngineWriter(engine)
