"""Durable batch writes for the audit log: one transaction per batch, on the database's terms.

* SQLite: a dedicated connection on one thread; the whole batch (``BEGIN IMMEDIATE``, the size
  check, the inserts, an optional checkpoint, ``COMMIT``) is one trip to that thread. ``BEGIN
  IMMEDIATE`` takes the write lock first, so another process appending meanwhile is seen, never
  clobbered. WAL with ``synchronous=FULL``: the WAL is fsynced at every commit, so a committed
  batch survives an OS crash or power loss, not only a killed process.
* PostgreSQL: a dedicated asyncpg connection; a transaction-scoped advisory lock makes this process
  the one sequencer for the batch, and ``synchronous_commit`` is set ``on`` for the batch's transaction
  whatever the server's or role's default, so COMMIT returns only once the WAL is flushed.

One fsync per batch, not per record: group commit is what keeps the throughput.

Both refuse a batch (``LogMoved``) when the log grew under us since we last looked; the caller
catches up and retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import asyncpg
from sqlalchemy import func, select
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


class PostgresWriter:
    """A dedicated asyncpg connection (reopened after a failure): a batch is six round trips and no
    ORM work, which is what lets group commit reach its throughput."""

    # One fixed statement per table whatever the batch size (prepared once per connection), the
    # batch's columns passed as arrays; a multi-row VALUES list would be a new statement per size.
    ENTRIES = ("INSERT INTO audit_entries (idx, leaf, leaf_hash) "
               "SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[])")
    NODES = "INSERT INTO audit_nodes (level, idx, hash) SELECT * FROM unnest($1::integer[], $2::bigint[], $3::bytea[])"

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._conn: asyncpg.Connection | None = None

    async def commit(self, start: int, rows: Rows, nodes: Nodes, note: Note) -> None:
        if self._conn is None or self._conn.is_closed():
            # Bounded waits: a hung server fails the batch (503s) instead of holding every request.
            self._conn = await asyncpg.connect(self.dsn, timeout=10, command_timeout=30)
        conn = self._conn
        try:
            async with conn.transaction():
                # A server, database or role may default to off (acknowledged before the WAL flush).
                await conn.execute("SET LOCAL synchronous_commit TO on")
                await conn.execute("SELECT pg_advisory_xact_lock($1)", SEQUENCER_LOCK)
                await self._write(conn, start, rows, nodes, note)
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError):
            await self.close()  # the next batch opens a fresh connection
            raise

    async def _write(self, conn: asyncpg.Connection, start: int, rows: Rows, nodes: Nodes, note: Note) -> None:
        size = await conn.fetchval("SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_entries")
        if size != start:
            raise LogMoved(size)
        if rows:
            await conn.execute(self.ENTRIES, *map(list, zip(*rows, strict=True)))
        if nodes:
            await conn.execute(self.NODES, *map(list, zip(*nodes, strict=True)))
        if note is not None:
            await conn.execute("INSERT INTO audit_checkpoints (size, note) VALUES ($1, $2) "
                               "ON CONFLICT (size) DO NOTHING", *note)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await conn.close(timeout=5)


class EngineWriter:
    """Any other database SQLAlchemy reaches (an in-memory SQLite in tests)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def commit(self, start: int, rows: Rows, nodes: Nodes, note: Note) -> None:
        async with self.engine.begin() as conn:
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
    if engine.dialect.name == "postgresql":
        return PostgresWriter(url.set(drivername="postgresql").render_as_string(hide_password=False))
    if engine.dialect.name == "sqlite":
        database = make_url(str(url)).database
        if database and database != ":memory:":
            return SqliteWriter(database)
    return EngineWriter(engine)
