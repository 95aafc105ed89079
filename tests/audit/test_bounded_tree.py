"""The log keeps only the tree's right edge in memory; every root and proof read back from the store
equals the one the whole in-memory tree (``TreeHashes``) gives, and verifies."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.audit.log import AuditLog
from bastion.audit.merkle import (
    Frontier,
    ProofError,
    TreeHashes,
    frontier_coords,
    leaf_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from bastion.audit.service import open_audit_log
from bastion.config import Settings
from bastion.store.db import create_engine
from tests.audit.test_log import audit_settings

LOG_SIZE = 333  # odd, not a power of two: a right edge of several subtrees


@given(st.integers(0, 5000))
def test_frontier_root_is_the_rfc6962_root(n: int) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    frontier, tree = Frontier(), TreeHashes()
    created_f, created_t = [], []
    for lh in leaves:
        created_f.extend(frontier.append(lh))
        created_t.extend(tree.append(lh))
    assert created_f == created_t  # the same subtree hashes go to the store
    assert frontier.root() == tree.root() == tree_root(leaves)
    assert len(frontier.hashes) == n.bit_count()  # O(log n) memory
    assert frontier.hashes == [tree.node(level, idx) for level, idx in frontier_coords(n)]


@pytest.fixture(scope="module")
def stored_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, TreeHashes]]:
    """A SQLite log of LOG_SIZE entries appended in uneven batches, and the whole tree built in memory."""
    tmp = tmp_path_factory.mktemp("bounded")
    cfg = audit_settings(f"sqlite+aiosqlite:///{tmp / 'log.db'}", tmp, batch_max=7)

    async def build() -> TreeHashes:
        log = await open_audit_log(cfg)
        for start in range(0, LOG_SIZE, 50):
            await asyncio.gather(*(log.append({"n": i}) for i in range(start, min(start + 50, LOG_SIZE))))
        leaves = [leaf_hash(await log.entry(i)) for i in range(LOG_SIZE)]
        await log.close()
        await log.engine.dispose()
        tree = TreeHashes()
        for lh in leaves:
            tree.append(lh)
        return tree

    yield cfg, asyncio.run(build())


async def reopened(cfg: Settings) -> AuditLog:
    return await open_audit_log(cfg, create_engine(cfg.store.url), writer=False)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_proofs_from_the_reopened_log_equal_the_in_memory_ones(stored_log: tuple[Settings, TreeHashes],
                                                                data: st.DataObject) -> None:
    cfg, tree = stored_log
    size = data.draw(st.integers(1, LOG_SIZE), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    size1 = data.draw(st.integers(1, size), label="size1")

    async def check() -> None:
        log = await reopened(cfg)
        try:
            assert log.size == LOG_SIZE and len(log.frontier.hashes) == LOG_SIZE.bit_count()
            root, root1 = await log.root(size), await log.root(size1)
            assert root == tree.root(size) and root1 == tree.root(size1)
            inclusion = await log.inclusion_proof(index, size)
            assert inclusion == tree.inclusion_proof(index, size)
            verify_inclusion(index, size, tree.node(0, index), inclusion, root)
            consistency = await log.consistency_proof(size1, size)
            assert consistency == tree.consistency_proof(size1, size)
            verify_consistency(size1, size, consistency, root1, root)
            many = await log.inclusion_proofs([index, 0, size - 1], size)
            assert many == {i: tree.inclusion_proof(i, size) for i in (index, 0, size - 1)}
        finally:
            await log.engine.dispose()

    asyncio.run(check())


def test_a_proof_beyond_the_log_is_refused(stored_log: tuple[Settings, TreeHashes]) -> None:
    cfg, _ = stored_log

    async def check() -> None:
        log = await reopened(cfg)
        try:
            with pytest.raises(ProofError):
                await log.inclusion_proof(0, LOG_SIZE + 1)
        finally:
            await log.engine.dispose()

    asyncio.run(check())


async def test_a_writer_reopened_at_any_size_continues_the_same_tree(db_url: str, tmp_path: Path) -> None:
    """Reopen after each of several runs of appends (sizes 1, 2, 5, 12, 13, 32): the right edge read
    back from the store carries the tree on exactly as if it had stayed in memory."""
    cfg = audit_settings(db_url, tmp_path)
    tree = TreeHashes()
    for size in (1, 2, 5, 12, 13, 32):
        log = await open_audit_log(cfg)
        assert log.size == tree.size and await log.root() == tree.root()
        await asyncio.gather(*(log.append({"n": i, "salt": secrets.token_hex(4)}) for i in range(log.size, size)))
        for i in range(tree.size, size):
            tree.append(leaf_hash(await log.entry(i)))
        assert await log.root() == tree.root()
        await log.close()
        await log.engine.dispose()
    assert tree.size == 32
