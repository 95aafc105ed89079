"""``bastion audit ...``: verify, prove, export, and key handling."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from bastion.audit.checkpoint import Checkpoint
from bastion.audit.keys import KeyError_, load_signer, trusted_verifiers, write_new_key
from bastion.audit.note import NoteError
from bastion.config import Settings
from bastion.gateway.cli import settings_from


@click.group()
def audit() -> None:
    """The tamper-evident audit log."""


async def _with_log(settings: Settings, fn: Any, writer: bool = False) -> Any:
    from bastion.audit.service import open_audit_log

    log = await open_audit_log(settings, writer=writer)
    try:
        return await fn(log)
    finally:
        if writer:
            await log.close()
        await log.engine.dispose()


@audit.command("verify")
@click.option("--bundle", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Verify an exported bundle instead of the database.")
@click.option("--trusted-checkpoint", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A signed checkpoint seen earlier: the log must still contain it (detects rollback).")
@click.pass_context
def verify(ctx: click.Context, bundle: Path | None, trusted_checkpoint: Path | None) -> None:
    """Recompute every leaf and node, check every checkpoint signature and their consistency."""
    from bastion.audit.export import db_entries, db_notes
    from bastion.audit.verify import verify_stream

    settings = settings_from(ctx)
    try:
        signer = load_signer(settings.audit.model_copy(update={"generate_key": False}))
    except KeyError_ as exc:
        raise click.ClickException(str(exc)) from exc
    verifiers = trusted_verifiers(settings.audit, signer)
    trusted = None
    if trusted_checkpoint is not None:
        try:
            trusted = Checkpoint.open(trusted_checkpoint.read_text(), signer.verifier, settings.audit.origin)
        except NoteError as exc:
            raise click.ClickException(f"trusted checkpoint: {exc}") from exc
    if bundle is not None:
        from bastion.audit.bundle import verify_bundle_dir

        ok, message = verify_bundle_dir(bundle, [v.key_string() for v in verifiers])
        click.echo(message)
        sys.exit(0 if ok else 1)

    async def go() -> Any:
        from bastion.store.db import create_engine

        engine = create_engine(settings.store.url)
        try:
            return await verify_stream(db_entries(engine), await db_notes(engine), verifiers,
                                       settings.audit.origin, trusted)
        finally:
            await engine.dispose()

    result = asyncio.run(go())
    click.echo(result.line())
    if not result.ok:
        sys.exit(1)


@audit.command("prove")
@click.option("--index", type=click.IntRange(0), required=True)
@click.pass_context
def prove(ctx: click.Context, index: int) -> None:
    """Print the entry and its inclusion proof against the latest checkpoint (JSON)."""
    settings = settings_from(ctx)

    async def go(log: Any) -> dict[str, Any]:
        latest = await log.latest_checkpoint()
        if latest is None:
            raise click.ClickException("the log has no checkpoint yet")
        cp, note = latest
        if index >= cp.size:
            raise click.ClickException(f"index {index} is not covered by the latest checkpoint (size {cp.size})")
        leaf = await log.entry(index)
        proof = await log.inclusion_proof(index, cp.size)
        return {"index": index, "tree_size": cp.size, "entry": leaf.decode(), "checkpoint": note,
                "inclusion_proof": [base64.b64encode(h).decode() for h in proof]}

    try:
        click.echo(json.dumps(asyncio.run(_with_log(settings, go)), indent=2))
    except (KeyError_, NoteError) as exc:
        raise click.ClickException(str(exc)) from exc


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 time: {value}") from exc


@audit.command("export")
@click.option("--from", "start", default=None, help="ISO 8601 start time (inclusive).")
@click.option("--to", "end", default=None, help="ISO 8601 end time (exclusive).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.pass_context
def export(ctx: click.Context, start: str | None, end: str | None, out: Path) -> None:
    """Write a bundle an auditor can verify with tools/verify_bundle.py and our public key."""
    from bastion.audit.export import export_bundle

    settings = settings_from(ctx)
    t1, t2 = _when(start), _when(end)
    try:
        summary = asyncio.run(_with_log(settings, lambda log: export_bundle(log, out, t1, t2)))
    except (ValueError, KeyError_) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"exported entries {summary.first_index}..{summary.first_index + summary.count - 1} "
               f"against checkpoint {summary.checkpoint_size} to {out}")


@audit.command("key")
@click.pass_context
def key(ctx: click.Context) -> None:
    """Print the log's public verifier key (C2SP name+hash+key)."""
    settings = settings_from(ctx)
    try:
        click.echo(load_signer(settings.audit.model_copy(update={"generate_key": False})).verifier.key_string())
    except KeyError_ as exc:
        raise click.ClickException(str(exc)) from exc


@audit.command("keygen")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--origin", default=None, help="Key name / log origin (default: audit.origin).")
@click.pass_context
def keygen(ctx: click.Context, out: Path, origin: str | None) -> None:
    """Create a new signing key file (mode 0600) and print its verifier key."""
    if out.exists():
        raise click.ClickException(f"{out} exists; refusing to overwrite a signing key")
    signer = write_new_key(out, origin or settings_from(ctx).audit.origin)
    click.echo(signer.verifier.key_string())
