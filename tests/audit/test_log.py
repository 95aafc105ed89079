"""The audit log on SQLite and PostgreSQL: durable appends, checkpoints, proofs, verification."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

from bastion.audit.checkpoint import Checkpoint
from bastion.audit.export import db_entries, db_notes
from bastion.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from bastion.audit.service import open_audit_log
from bastion.audit.verify import verify_stream
from bastion.config import Settings


def audit_settings(db_url: str, tmp_path: Path, **audit: object) -> Settings:
    return Settings.model_validate({
        "server": {"server_secret": secrets.token_hex(16)},
        "store": {"url": db_url},
        "audit": {"signing_key_file": str(tmp_path / "k" / "signing.key"), "checkpoint_every": 10,
                  "checkpoint_interval_ms": 60_000, **audit},
    })


async def test_append_checkpoint_prove_verify(db_url: str, tmp_path: Path) -> None:
    settings = audit_settings(db_url, tmp_path)
    log = await open_audit_log(settings)
    indices = await asyncio.gather(*(log.append({"kind": "test", "n": i}) for i in range(25)))
    assert sorted(indices) == list(range(25))
    await log.close()  # signs a final checkpoint at 25
    latest = await log.latest_checkpoint()
    assert latest is not None
    cp, note = latest
    assert cp.size == 25 and note.startswith(f"{settings.audit.origin}\n25\n")
    leaf = await log.entry(7)
    verify_inclusion(7, 25, leaf_hash(leaf), await log.inclusion_proof(7, 25), cp.root)
    notes = await db_notes(log.engine)
    sizes = [Checkpoint.parse(n.split("\n\n")[0] + "\n").size for n in notes]
    assert sizes[-1] == 25 and sizes[0] >= 10
    first = Checkpoint.parse(notes[0].split("\n\n")[0] + "\n")
    verify_consistency(first.size, 25, await log.consistency_proof(first.size, 25), first.root, cp.root)
    result = await verify_stream(db_entries(log.engine), notes, [log.signer.verifier], settings.audit.origin)
    assert result.ok and result.size == 25, result.line()
    await log.engine.dispose()


async def test_reopen_loads_stored_tree_and_continues(db_url: str, tmp_path: Path) -> None:
    settings = audit_settings(db_url, tmp_path)
    log = await open_audit_log(settings)
    for i in range(13):
        await log.append({"n": i})
    root13 = await log.root()
    await log.close()
    await log.engine.dispose()
    again = await open_audit_log(settings)
    assert again.size == 13 and await again.root() == root13  # the right edge read back, not rehashed
    await again.append({"n": 13})
    await again.close()
    result = await verify_stream(db_entries(again.engine), await db_notes(again.engine), [again.signer.verifier],
                                 settings.audit.origin)
    assert result.ok and result.size == 14, result.line()
    await again.engine.dispose()


async def test_two_writers_one_postgres_log(pg_url: str, tmp_path: Path) -> None:
    """Two independent writers (as two gateway processes would be) on one database: one log."""
    settings = audit_settings(pg_url, tmp_path)
    a = await open_audit_log(settings)
    b = await open_audit_log(settings)
    await asyncio.gather(*(w.append({"writer": name, "n": i}) for i in range(40)
                           for w, name in ((a, "a"), (b, "b"))))
    await a.close()
    await b.close()
    result = await verify_stream(db_entries(a.engine), await db_notes(a.engine), [a.signer.verifier],
                                 settings.audit.origin)
    assert result.ok and result.size == 80, result.line()
    await a.engine.dispose()
    await b.engine.dispose()
