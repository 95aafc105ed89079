"""Which key signs this log: one signing identity per log, shared by every replica, made once.

A log is *bound* to the verifier key of its first writer (``audit_meta.signing_key``). A writer
starts only when its configured key is that key, or when the bound key is one of its
``previous_verifier_keys`` (a rotation: the binding moves to the new key). A replica with no key
file may create one only for an empty, unbound log; joining an existing log without the log's key
is refused, because checkpoints signed by a key of its own would make the shared log fail
verification everywhere. Logs made before the binding existed are checked against their latest
checkpoint's signature, then bound.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bastion.audit.checkpoint import Checkpoint
from bastion.audit.keys import KeyError_, read_signer, trusted_verifiers, write_new_key
from bastion.audit.note import NoteError, NoteSigner, NoteVerifier, signer_ids
from bastion.audit.settings import AuditSettings
from bastion.audit.tables import audit_checkpoints, audit_entries, audit_meta

SIGNING_KEY = "signing_key"
_HOW = ("give every replica the same audit.signing_key_file (a copy of the log's key), "
        "or rotate keys as docs/audit.md says")


async def _bound_key(conn: AsyncConnection) -> NoteVerifier | None:
    value = await conn.scalar(select(audit_meta.c.value).where(audit_meta.c.name == SIGNING_KEY))
    return None if value is None else NoteVerifier.parse(value)


async def _log_state(engine: AsyncEngine) -> tuple[NoteVerifier | None, int, str | None]:
    """(bound key, number of entries, latest signed checkpoint note)."""
    async with engine.connect() as conn:
        bound = await _bound_key(conn)
        size = await conn.scalar(select(func.coalesce(func.max(audit_entries.c.idx) + 1, 0))) or 0
        note = await conn.scalar(select(audit_checkpoints.c.note).order_by(audit_checkpoints.c.size.desc()).limit(1))
    return bound, int(size), note


def _signer_for(path: Path, settings: AuditSettings, bound: NoteVerifier | None, size: int,
                note: str | None) -> NoteSigner:
    if path.exists():
        return read_signer(path, settings.origin)
    if bound is not None or size or note is not None:
        held = bound.key_string() if bound is not None else ", ".join(signer_ids(note or "")) or "no checkpoint yet"
        raise KeyError_(f"the audit log already holds {size} entries (signing key {held}) but there is no signing "
                        f"key at {path}; refusing to start with a new key: {_HOW}")
    if not settings.generate_key:
        raise KeyError_(f"audit signing key {path} does not exist (and audit.generate_key is off)")
    try:
        return write_new_key(path, settings.origin)
    except FileExistsError:  # another process on this machine made it a moment ago: use that one
        return read_signer(path, settings.origin)


def _check_latest(note: str | None, trusted: list[NoteVerifier], signer: NoteSigner, origin: str) -> None:
    if note is None:
        return
    for v in trusted:
        try:
            Checkpoint.open(note, v, origin)
            return
        except NoteError:
            continue
    size = note.split("\n")[1] if note.count("\n") > 1 else "?"
    raise KeyError_(f"the audit log's latest checkpoint (size {size}) is signed by {', '.join(signer_ids(note))}, not "
                    f"by this gateway's key {signer.verifier.key_string()} nor a previous_verifier_keys entry; "
                    f"refusing to start: {_HOW}")


async def _bind(engine: AsyncEngine, signer: NoteSigner, trusted: list[NoteVerifier]) -> None:
    """Bind an unbound log to our key, or move the binding from a previous key to ours."""
    ours = signer.verifier
    for _ in range(3):
        async with engine.connect() as conn:
            bound = await _bound_key(conn)
            try:
                if bound is None:
                    await conn.execute(audit_meta.insert().values(name=SIGNING_KEY, value=ours.key_string()))
                elif bound == ours:
                    return
                elif bound in trusted:
                    await conn.execute(update(audit_meta).where(audit_meta.c.name == SIGNING_KEY,
                                                                audit_meta.c.value == bound.key_string())
                                       .values(value=ours.key_string()))
                else:
                    raise KeyError_(f"the audit log is bound to signing key {bound.key_string()}, but this gateway's "
                                    f"key is {ours.key_string()}; refusing to start: {_HOW}")
                await conn.commit()
            except IntegrityError:  # another writer bound it first: look again
                await conn.rollback()
                continue
        # Read back: a concurrent writer may have bound (or moved) it in between.
        async with engine.connect() as conn:
            if await _bound_key(conn) == ours:
                return
    raise KeyError_(f"could not bind the audit log to signing key {ours.key_string()}: {_HOW}")


async def bind_signer(engine: AsyncEngine, settings: AuditSettings) -> NoteSigner:
    """The signer this process may append with; raises KeyError_ (refuse to start) otherwise."""
    bound, size, note = await _log_state(engine)
    signer = _signer_for(Path(settings.signing_key_file), settings, bound, size, note)
    trusted = trusted_verifiers(settings, signer)
    _check_latest(note, trusted, signer, settings.origin)
    await _bind(engine, signer, trusted)
    return signer
