"""Reading subtree hashes back from the log's tables, for proofs, roots and the right edge.

Leaf hashes (level 0) are in ``audit_entries``, complete subtrees above them in ``audit_nodes``;
both are written in the same transaction as the entries they cover and never change, so a bounded
LRU cache of them is always correct. Memory stays bounded however long the log grows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence

from sqlalchemy import and_, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.audit.merkle import Coord, ProofError, Range, fold, range_nodes
from bastion.audit.tables import audit_entries, audit_nodes

_CHUNK = 500  # coordinates per query: well under every driver's parameter limit


class NodeStore:
    def __init__(self, engine: AsyncEngine, cache_entries: int = 16_384) -> None:
        self.engine = engine
        self.cache_entries = cache_entries
        self._cache: OrderedDict[Coord, bytes] = OrderedDict()

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
        async with self.engine.connect() as conn:
            rows = await conn.execute(query)
            return {(int(lv), int(i)): bytes(h) for lv, i, h in rows}

    def _remember(self, found: dict[Coord, bytes]) -> None:
        if self.cache_entries <= 0:
            return
        self._cache.update(found)
        while len(self._cache) > self.cache_entries:
            self._cache.popitem(last=False)
