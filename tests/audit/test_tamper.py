"""Tampering is always detected: change a byte, delete, swap, truncate, forge or roll back (hypothesis)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.audit.checkpoint import Checkpoint
from bastion.audit.export import db_entries, db_notes
from bastion.audit.merkle import leaf_hash
from bastion.audit.note import NoteSigner
from bastion.audit.service import open_audit_log
from bastion.audit.verify import VerifyResult, verify_stream
from bastion.config import Settings

N = 40
ORIGIN = "test.example/audit"


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[tuple[int, bytes, bytes]], list[str], NoteSigner]:
    """A real log of 40 records written through AuditLog to SQLite, read back as rows and notes."""
    tmp = tmp_path_factory.mktemp("audit")
    settings = Settings.model_validate({
        "server": {"server_secret": secrets.token_hex(16)},
        "store": {"url": f"sqlite+aiosqlite:///{tmp / 'a.db'}"},
        "audit": {"origin": ORIGIN, "signing_key_file": str(tmp / "k"), "checkpoint_every": 8},
    })

    async def build() -> tuple[list[tuple[int, bytes, bytes]], list[str], NoteSigner]:
        log = await open_audit_log(settings)
        for i in range(N):
            await log.append({"kind": "test", "n": i, "text": f"record {i}"})
        await log.close()
        rows = [(i, leaf, lh) async for i, leaf, lh in db_entries(log.engine)]
        notes = await db_notes(log.engine)
        await log.engine.dispose()
        return rows, notes, log.signer

    return asyncio.run(build())


def check(rows: list[tuple[int, bytes, bytes | None]], notes: list[str], signer: NoteSigner,
          trusted: Checkpoint | None = None) -> VerifyResult:
    async def gen() -> AsyncIterator[tuple[int, bytes, bytes | None]]:
        for r in rows:
            yield r

    return asyncio.run(verify_stream(gen(), notes, [signer.verifier], ORIGIN, trusted))


def test_genuine_log_verifies(genuine) -> None:  # type: ignore[no-untyped-def]
    rows, notes, signer = genuine
    result = check(list(rows), notes, signer)
    assert result.ok and result.size == N and result.checkpoints == len(notes)


SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW
@given(index=st.integers(0, N - 1), pos=st.integers(0, 10_000), bit=st.integers(0, 7),
       rehash=st.booleans())
def test_flipped_byte_is_detected(genuine, index: int, pos: int, bit: int, rehash: bool) -> None:  # type: ignore[no-untyped-def]
    rows, notes, signer = genuine
    rows = list(rows)
    i, leaf, lh = rows[index]
    b = bytearray(leaf)
    b[pos % len(b)] ^= 1 << bit
    # A careless attacker leaves the stored hash; a careful one rewrites it too.
    rows[index] = (i, bytes(b), leaf_hash(bytes(b)) if rehash else lh)
    result = check(rows, notes, signer)
    assert not result.ok
    assert result.first_bad is not None and result.first_bad <= index


@SLOW
@given(index=st.integers(0, N - 1))
def test_deleted_record_is_detected(genuine, index: int) -> None:  # type: ignore[no-untyped-def]
    rows, notes, signer = genuine
    rows = list(rows)
    del rows[index]
    renumbered = [(k, leaf, lh) for k, (_, leaf, lh) in enumerate(rows)]  # even if indices are rewritten
    for candidate in (rows, renumbered):
        result = check(candidate, notes, signer)
        assert not result.ok and result.first_bad is not None and result.first_bad <= index


@SLOW
@given(a=st.integers(0, N - 1), b=st.integers(0, N - 1))
def test_swapped_records_are_detected(genuine, a: int, b: int) -> None:  # type: ignore[no-untyped-def]
    if a == b:
        return
    rows, notes, signer = genuine
    rows = list(rows)
    (ia, la, ha), (ib, lb, hb) = rows[a], rows[b]
    rows[a], rows[b] = (ia, lb, hb), (ib, la, ha)
    result = check(rows, notes, signer)
    assert not result.ok and result.first_bad is not None and result.first_bad <= min(a, b)


@SLOW
@given(keep=st.integers(0, N - 1))
def test_truncation_is_detected(genuine, keep: int) -> None:  # type: ignore[no-untyped-def]
    rows, notes, signer = genuine
    result = check(list(rows)[:keep], notes, signer)
    assert not result.ok and "truncated" in result.reason


def test_forged_checkpoints_are_detected(genuine) -> None:  # type: ignore[no-untyped-def]
    rows, notes, signer = genuine
    last = notes[-1]
    text, _, sig = last.partition("\n\n")
    lines = text.split("\n")
    # 1. a changed root under the old signature
    forged_root = "\n".join([lines[0], lines[1], "A" * 43 + "="]) + "\n\n" + sig
    assert not check(list(rows), [*notes[:-1], forged_root], signer).ok
    # 2. a well-formed checkpoint signed by someone else's key under our name
    mallory = NoteSigner.generate(ORIGIN)
    assert not check(list(rows), [*notes[:-1], Checkpoint.parse(text + "\n").sign(mallory)], signer).ok
    # 3. a correctly signed checkpoint over a rewritten log: the roots differ
    fake_rows = [(i, leaf.replace(b"record", b"RECORD"), None) for i, leaf, _ in rows]
    assert not check(fake_rows, notes, signer).ok  # type: ignore[arg-type]


def test_rollback_is_detected_against_a_trusted_checkpoint(genuine) -> None:  # type: ignore[no-untyped-def]
    rows, notes, signer = genuine
    trusted = Checkpoint.parse(notes[-1].split("\n\n")[0] + "\n")
    # The operator drops the last checkpoint and the entries after the previous one.
    previous = Checkpoint.parse(notes[-2].split("\n\n")[0] + "\n")
    rolled = check(list(rows)[: previous.size], notes[:-1], signer, trusted)
    assert not rolled.ok and "rolled back" in rolled.reason
    assert check(list(rows), notes, signer, trusted).ok
