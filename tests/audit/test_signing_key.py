"""One signing identity per log: replicas share the log's key or refuse to start; key and database
files are private to their owner."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy import delete

from bastion.audit.export import db_entries, db_notes
from bastion.audit.keys import KeyError_, write_new_key
from bastion.audit.log import AuditLog
from bastion.audit.service import open_audit_log
from bastion.audit.tables import audit_meta
from bastion.audit.verify import verify_stream
from bastion.config import Settings
from bastion.store.db import create_engine
from bastion.store.migrate import upgrade_async
from tests.audit.test_log import audit_settings


async def verifies(log: AuditLog, settings: Settings, size: int) -> None:
    from bastion.audit.keys import trusted_verifiers

    result = await verify_stream(db_entries(log.engine), await db_notes(log.engine),
                                 trusted_verifiers(settings.audit, log.signer), settings.audit.origin)
    assert result.ok and result.size == size, result.line()


async def first_replica(pg_url: str, tmp_path: Path) -> tuple[AuditLog, Settings]:
    settings = audit_settings(pg_url, tmp_path / "a")
    log = await open_audit_log(settings)  # empty log: the first start creates the key
    for i in range(12):
        await log.append({"replica": "a", "n": i})
    return log, settings


async def test_replica_without_the_key_refuses_to_start(pg_url: str, tmp_path: Path) -> None:
    a, _ = await first_replica(pg_url, tmp_path)
    try:
        b_settings = audit_settings(pg_url, tmp_path / "b")  # generate_key is on, yet it must not
        with pytest.raises(KeyError_, match="already holds 12 entries") as caught:
            await open_audit_log(b_settings)
        assert a.signer.verifier.key_string() in str(caught.value)
        assert not Path(b_settings.audit.signing_key_file).exists()
    finally:
        await a.close()
        await a.engine.dispose()


async def test_replica_with_another_key_refuses_to_start(pg_url: str, tmp_path: Path) -> None:
    a, _ = await first_replica(pg_url, tmp_path)
    try:
        b_settings = audit_settings(pg_url, tmp_path / "b")
        write_new_key(Path(b_settings.audit.signing_key_file), b_settings.audit.origin)
        with pytest.raises(KeyError_, match=r"bound to signing key|latest checkpoint"):
            await open_audit_log(b_settings)
    finally:
        await a.close()
        await a.engine.dispose()


async def test_replicas_with_the_shared_key_build_one_verifiable_log(pg_url: str, tmp_path: Path) -> None:
    a, a_settings = await first_replica(pg_url, tmp_path)
    b_settings = audit_settings(pg_url, tmp_path / "b")
    b_key = Path(b_settings.audit.signing_key_file)
    b_key.parent.mkdir(parents=True)
    shutil.copy2(a_settings.audit.signing_key_file, b_key)  # the operator hands the replica the log's key
    b = await open_audit_log(b_settings)
    await asyncio.gather(*(w.append({"replica": name, "n": i}) for i in range(30) for w, name in ((a, "a"), (b, "b"))))
    await a.close()
    await b.close()
    await verifies(a, a_settings, 72)
    await verifies(b, b_settings, 72)
    await a.engine.dispose()
    await b.engine.dispose()


async def test_two_new_replicas_racing_on_an_empty_log_get_one_key(pg_url: str, tmp_path: Path) -> None:
    settings = [audit_settings(pg_url, tmp_path / name) for name in ("a", "b", "c")]
    await upgrade_async(pg_url)  # the schema exists (replicas racing on migrations is another matter)
    engines = [create_engine(pg_url) for _ in settings]
    opened = await asyncio.gather(*(open_audit_log(s, e) for s, e in zip(settings, engines, strict=True)),
                                  return_exceptions=True)
    logs = [x for x in opened if isinstance(x, AuditLog)]
    refused = [x for x in opened if isinstance(x, KeyError_)]
    assert len(logs) == 1 and len(refused) == 2, opened
    await logs[0].append({"n": 0})
    await logs[0].close()
    for e in engines:
        await e.dispose()


async def test_a_legacy_log_signed_by_another_key_is_refused(db_url: str, tmp_path: Path) -> None:
    """A log from before the binding (no audit_meta row): the latest checkpoint's signer decides."""
    a_settings = audit_settings(db_url, tmp_path / "a")
    a = await open_audit_log(a_settings)
    for i in range(11):
        await a.append({"n": i})
    await a.close()
    async with a.engine.begin() as conn:
        await conn.execute(delete(audit_meta))
    await a.engine.dispose()
    b_settings = audit_settings(db_url, tmp_path / "b")
    write_new_key(Path(b_settings.audit.signing_key_file), b_settings.audit.origin)
    with pytest.raises(KeyError_, match=r"latest checkpoint \(size 11\) is signed by bastion.local/audit\+"):
        await open_audit_log(b_settings)
    again = await open_audit_log(a_settings)  # the right key binds the legacy log and carries on
    await again.append({"n": 11})
    await again.close()
    await verifies(again, a_settings, 12)
    await again.engine.dispose()


async def test_rotation_moves_the_binding_to_the_new_key(db_url: str, tmp_path: Path) -> None:
    old_settings = audit_settings(db_url, tmp_path / "old")
    old = await open_audit_log(old_settings)
    for i in range(11):
        await old.append({"n": i})
    await old.close()
    await old.engine.dispose()
    new_key = tmp_path / "new" / "signing.key"
    write_new_key(new_key, old_settings.audit.origin)
    rotated = audit_settings(db_url, tmp_path / "new", signing_key_file=str(new_key),
                             previous_verifier_keys=[old.signer.verifier.key_string()])
    new = await open_audit_log(rotated)
    await new.append({"n": 11})
    await new.close()
    await verifies(new, rotated, 12)
    await new.engine.dispose()
    with pytest.raises(KeyError_, match=r"bound to signing key|latest checkpoint"):  # no longer the log's key
        await open_audit_log(old_settings)


async def test_a_key_readable_by_others_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    settings = audit_settings(sqlite_url, tmp_path)
    key = Path(settings.audit.signing_key_file)
    write_new_key(key, settings.audit.origin)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    os.chmod(key, 0o644)
    with pytest.raises(KeyError_, match=r"mode 0644.*chmod 600"):
        await open_audit_log(settings)
    os.chmod(key, 0o640)
    with pytest.raises(KeyError_, match="mode 0640"):
        await open_audit_log(settings)


async def test_key_and_database_files_are_created_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which would give 0644 files
    try:
        db = tmp_path / "var" / "bastion.db"
        settings = audit_settings(f"sqlite+aiosqlite:///{db}", tmp_path)
        log = await open_audit_log(settings)
        await log.append({"n": 0})
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in db.parent.iterdir()}
        await log.close()
        await log.engine.dispose()
    finally:
        os.umask(old)
    assert modes["bastion.db"] == 0o600 and modes["bastion.db-wal"] == 0o600, modes
    assert stat.S_IMODE(Path(settings.audit.signing_key_file).stat().st_mode) == 0o600


async def test_no_key_and_no_generation_refuses_an_empty_log(sqlite_url: str, tmp_path: Path) -> None:
    with pytest.raises(KeyError_, match="generate_key is off"):
        await open_audit_log(audit_settings(sqlite_url, tmp_path, generate_key=False))
