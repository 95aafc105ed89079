"""Regulator export: a self-contained bundle that an auditor verifies with our public key alone.

Bundle layout (see docs/audit-format.md): ``entries.jsonl`` (exact leaf bytes, one per line, indices
``first_index``..), ``checkpoints.txt`` (signed notes separated by ``-----`` lines), ``proofs.json``
(an inclusion proof per entry against the last checkpoint, and consistency proofs between
consecutive checkpoints), ``verifier.key`` (C2SP verifier key) and ``README.md``.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.audit.checkpoint import Checkpoint
from bastion.audit.log import AuditLog
from bastion.audit.tables import audit_checkpoints, audit_entries

NOTE_SEPARATOR = "-----\n"


async def db_entries(engine: AsyncEngine, start: int = 0,
                     end: int | None = None) -> AsyncIterator[tuple[int, bytes, bytes | None]]:
    q = select(audit_entries.c.idx, audit_entries.c.leaf, audit_entries.c.leaf_hash).where(
        audit_entries.c.idx >= start).order_by(audit_entries.c.idx)
    if end is not None:
        q = q.where(audit_entries.c.idx < end)
    async with engine.connect() as conn:
        result = await conn.stream(q)
        async for part in result.partitions(20_000):
            for idx, leaf, lh in part:
                yield int(idx), bytes(leaf), bytes(lh)


async def db_notes(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(audit_checkpoints.c.note).order_by(audit_checkpoints.c.size))
        return [r[0] for r in rows]


@dataclass
class ExportSummary:
    first_index: int
    count: int
    checkpoint_size: int


def b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def _in_window(leaf: bytes, start: datetime | None, end: datetime | None) -> bool:
    t = orjson.loads(leaf).get("time", "")
    when = datetime.fromisoformat(t.replace("Z", "+00:00")) if t else None
    if when is None:
        return False
    return (start is None or when >= start) and (end is None or when < end)


async def export_bundle(audit: AuditLog, out: Path, start: datetime | None, end: datetime | None) -> ExportSummary:
    latest = await audit.latest_checkpoint()
    if latest is None:
        raise ValueError("the log has no checkpoint yet: nothing can be proven")
    cp, _ = latest
    await audit.refresh()
    selected: list[tuple[int, bytes]] = []
    async for idx, leaf, _lh in db_entries(audit.engine, 0, cp.size):
        if _in_window(leaf, start, end):
            selected.append((idx, leaf))
    if not selected:
        raise ValueError("no entries in that time window are covered by a checkpoint")
    first, last = selected[0][0], selected[-1][0]
    # Export the contiguous run first..last so the prev-hash chain is checkable inside the bundle.
    run = [(i, leaf) async for i, leaf, _ in db_entries(audit.engine, first, last + 1)]
    notes = [n for n in await db_notes(audit.engine) if Checkpoint.parse(n.split("\n\n")[0] + "\n").size <= cp.size]
    sizes = [Checkpoint.parse(n.split("\n\n")[0] + "\n").size for n in notes]
    out.mkdir(parents=True, exist_ok=True)
    (out / "entries.jsonl").write_bytes(b"".join(leaf + b"\n" for _, leaf in run))
    (out / "checkpoints.txt").write_text(NOTE_SEPARATOR.join(notes))
    inclusion = await audit.inclusion_proofs([i for i, _ in run], cp.size)
    consistency = [(a, b, await audit.consistency_proof(a, b)) for a, b in itertools.pairwise(sizes) if a > 0]
    proofs = {
        "first_index": first,
        "checkpoint_size": cp.size,
        "inclusion": {str(i): [b64(h) for h in proof] for i, proof in inclusion.items()},
        "consistency": [{"size1": a, "size2": b, "proof": [b64(h) for h in proof]} for a, b, proof in consistency],
    }
    (out / "proofs.json").write_text(json.dumps(proofs, indent=1))
    (out / "verifier.key").write_text(audit.signer.verifier.key_string() + "\n")
    (out / "README.md").write_text(BUNDLE_README.format(first=first, last=first + len(run) - 1, size=cp.size,
                                                        origin=cp.origin))
    return ExportSummary(first, len(run), cp.size)


BUNDLE_README = """# Bastion audit log export

Entries {first}..{last} of the log `{origin}`, proven against its signed checkpoint of size {size}.

Verify without installing Bastion (Python 3.9+ and the `cryptography` package):

    python3 verify_bundle.py THIS_DIRECTORY --key "$(cat verifier.key)"

(`verify_bundle.py` is `tools/verify_bundle.py` in Bastion's source.) Obtain the verifier key from the
operator through a separate channel; the copy in `verifier.key` is for convenience only.

- `entries.jsonl`: one record per line, exactly the bytes that were hashed (RFC 6962 leaf = 0x00 || line).
- `checkpoints.txt`: C2SP signed checkpoints (origin, size, base64 root), separated by `-----` lines.
- `proofs.json`: an inclusion proof for every entry against the checkpoint of size {size}, and consistency
  proofs between consecutive checkpoints.
"""
