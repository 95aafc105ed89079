"""Reading subtree hashes back from the log's tables, for proofs, roots and the right edge.

Leaf hashes (level 0) are in ``audit_entries``, complete subtrees above them in ``audit_nodes``;
both are written in the same transaction as the entries they cover and never change, so a bounded
LRU cache of them is always correct. Memory stays bounded however long the log grows.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import CompoundSelect, Select, and_, literal, or_, select, union_all
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.audit.merkle import Coord, ProofError, Range, fold, range_nodes
from bastion.audit.tables import audit_entries, audit_nodes

_CHUNK = 500  # coordinates per query: well under every driver's parameter limit


class NodeStore:
    def __init__(self, engine: AsyncEngine, cache_entries: int = 16_384) -> None:
        self.engine = engine
        self.cache_entries = cache_entries
        self._cache: OrderedDict[Coord, bytes] = OrderedDict()
        self._sqlite = _SqliteReader.for_engine(engine)

    async def hashes(self, coords: Iterable[Coord]) -> dict[Coord, bytes]:
        """The stored hash of every coordinate asked for; raises ProofError when one is missing."""
        out: dict[Coord, bytes] = {}
        missing: list[Coord] = []
        for c in dict.fromkeys(coords):
            h = self._cache.get(c)
            if h is None:
                missing.append(c)
            else:
                self._cache.move_to_end(c)
                out[c] = h
        for i in range(0, len(missing), _CHUNK):
            found = await self._read(missing[i : i + _CHUNK])
            for c in missing[i : i + _CHUNK]:
                if c not in found:
                    raise ProofError(f"the stored hash of subtree (level {c[0]}, index {c[1]}) is missing")
            out.update(found)
            self._remember(found)
        return out

    async def range_hashes(self, ranges: Sequence[Range]) -> list[bytes]:
        """MTH of each range, folded from its stored complete subtrees."""
        plans = [range_nodes(lo, hi) for lo, hi in ranges]
        known = await self.hashes(c for plan in plans for c in plan)
        return [fold([known[c] for c in plan]) for plan in plans]

    async def _read(self, coords: list[Coord]) -> dict[Coord, bytes]:
        """One query (one round trip) for leaf hashes and subtree hashes together."""
        by_level: dict[int, list[int]] = {}
        for level, idx in coords:
            by_level.setdefault(level, []).append(idx)
        parts = []
        leaves = by_level.pop(0, None)
        if leaves:
            e = audit_entries.c
            parts.append(select(literal(0).label("level"), e.idx, e.leaf_hash.label("hash")).where(e.idx.in_(leaves)))
        if by_level:
            n = audit_nodes.c
            parts.append(select(n.level, n.idx, n.hash).where(
                or_(*(and_(n.level == lv, n.idx.in_(idxs)) for lv, idxs in by_level.items()))))
        query = parts[0] if len(parts) == 1 else union_all(*parts)
        if self._sqlite is not None:
            return await self._sqlite.run(query)
        async with self.engine.connect() as conn:
            rows = await conn.execute(query)
            return {(int(lv), int(i)): bytes(h) for lv, i, h in rows}

    async def close(self) -> None:
        if self._sqlite is not None:
            await self._sqlite.close()

    def _remember(self, found: dict[Coord, bytes]) -> None:
        if self.cache_entries <= 0:
            return
        self._cache.update(found)
        while len(self._cache) > self.cache_entries:
            self._cache.popitem(last=False)


class _SqliteReader:
    """A read-only sqlite3 connection on its own thread: a proof is one trip to that thread, without
    the async driver's per-call overhead (a proof read is a fraction of a millisecond)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._pool: ThreadPoolExecutor | None = None  # made on first use, again after close()
        self._conn: sqlite3.Connection | None = None
        self._dialect = sqlite_dialect()

    @classmethod
    def for_engine(cls, engine: AsyncEngine) -> _SqliteReader | None:
        if engine.dialect.name != "sqlite":
            return None
        database = make_url(engine.url.render_as_string(hide_password=False)).database
        return cls(database) if database and database != ":memory:" else None

    async def run(self, query: Select[Any] | CompoundSelect[Any]) -> dict[Coord, bytes]:
        # Every bound value is an int we computed (levels, indices), so inlining them is safe.
        sql = str(query.compile(dialect=self._dialect, compile_kwargs={"literal_binds": True}))
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="audit-proofs")
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._fetch, sql)

    def _fetch(self, sql: str) -> dict[Coord, bytes]:
        if self._conn is None:
            self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self._conn.execute("PRAGMA query_only=1")
        return {(int(lv), int(i)): bytes(h) for lv, i, h in self._conn.execute(sql)}

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return

        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await asyncio.get_running_loop().run_in_executor(pool, shut)
        pool.shutdown(wait=True)
