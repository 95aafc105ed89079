"""``bastion vault ...``: keys, seal, verify, unseal, rotate. Every action and every refusal is
appended to the audit log when one is configured."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bastion.config import Settings
from bastion.gateway.cli import settings_from
from bastion.keyfile import create_private
from bastion.vault.budget import BudgetExceeded, ReadBudget
from bastion.vault.custodians import (
    CustodianError,
    load_custodians,
    new_custodian_key,
    private_key_file,
    read_private_key,
)
from bastion.vault.manifest import ManifestError, load_private, load_public
from bastion.vault.vault import VaultError, model_size, recover_dek, rotate, seal, unseal, unseal_one, verify

T = TypeVar("T")


def audit(settings: Settings, action: str, details: dict[str, Any]) -> None:
    from bastion.audit.service import append_cli_record

    append_cli_record(settings, "vault", action, details)


def guarded(settings: Settings, action: str, details: dict[str, Any], fn: Callable[[], T]) -> T:
    """Run ``fn``; record success or the precise failure; turn failures into one clear CLI line."""
    try:
        result = fn()
    except (VaultError, ManifestError, CustodianError, BudgetExceeded, OSError, ValueError) as exc:
        audit(settings, f"vault.{action}_failed", {**details, "error": str(exc)[:500]})
        if isinstance(exc, BudgetExceeded):
            audit(settings, "vault.alert", {**details, "alert": "read budget exceeded"})
        raise click.ClickException(str(exc)) from exc
    audit(settings, f"vault.{action}", details)
    return result


def trusted_key(settings: Settings, public_key: Path | None) -> ec.EllipticCurvePublicKey:
    if public_key is not None:
        return load_public(public_key.read_bytes())
    if settings.vault.trusted_public_key:
        return load_public(settings.vault.trusted_public_key.encode())
    raise click.ClickException("no trusted manifest key: pass --public-key or set vault.trusted_public_key")


def parse_shares(specs: tuple[str, ...]) -> list[tuple[Path, bytes]]:
    out = []
    for spec in specs:
        share, sep, key = spec.rpartition(":")
        if not sep:
            raise click.BadParameter(f"{spec!r}: expected SHARE_FILE:PRIVATE_KEY_FILE")
        try:
            out.append((Path(share), read_private_key(Path(key))))
        except CustodianError as exc:
            raise click.ClickException(str(exc)) from exc
    return out


@click.group()
def vault() -> None:
    """Encrypted, signed model weights with k-of-n unsealing."""


@vault.command("keygen-signer")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def keygen_signer(out: Path) -> None:
    """Create the manifest-signing key (EC P-256, PEM, mode 0600) and its public key beside it."""
    key = ec.generate_private_key(ec.SECP256R1())
    try:
        create_private(out, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    except FileExistsError as exc:
        raise click.ClickException(f"{out} exists; refusing to overwrite a signing key") from exc
    pub = out.with_suffix(".pub.pem")
    pub.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    click.echo(str(pub))


@vault.command("keygen-custodian")
@click.argument("name")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def keygen_custodian(name: str, out: Path) -> None:
    """Create a custodian's X25519 key (kept by the custodian); prints the entry for the custodians file."""
    private, public = new_custodian_key()
    try:
        create_private(out, private_key_file(private).encode())
    except FileExistsError as exc:
        raise click.ClickException(f"{out} exists; refusing to overwrite a key") from exc
    import base64

    click.echo(json.dumps({"name": name, "public_key": base64.b64encode(public).decode()}))


@vault.command("seal")
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--custodians", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--threshold", type=click.IntRange(1), required=True)
@click.option("--signing-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--name", default=None, help="Model name (default: the folder's name).")
@click.option("--version", "version_", default="1")
@click.option("--no-openssf", is_flag=True, help="Skip the OpenSSF model-signing signature of the plaintext.")
@click.pass_context
def seal_cmd(ctx: click.Context, model_dir: Path, out: Path, custodians: Path, threshold: int, signing_key: Path,
             name: str | None, version_: str, no_openssf: bool) -> None:
    """Encrypt every file of MODEL_DIR into OUT, wrap the key for K-of-N custodians, sign the manifest."""
    settings = settings_from(ctx)
    model = name or model_dir.name

    def go() -> Any:
        report = seal(model_dir, out, load_custodians(custodians), threshold, load_private(signing_key), model,
                      version_, settings.vault.chunk_size)
        if not no_openssf:
            from bastion.vault.openssf import sign_model

            sign_model(model_dir, out / "model.sig", signing_key)
        return report

    report = guarded(settings, "seal", {"model": model, "version": version_, "threshold": threshold}, go)
    click.echo(f"sealed {report.files} files ({report.bytes} bytes) of {report.model} for "
               f"{len(report.custodians)} custodians, threshold {report.threshold}")


@vault.command("verify")
@click.argument("sealed", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.pass_context
def verify_cmd(ctx: click.Context, sealed: Path, public_key: Path | None) -> None:
    """Check a sealed model without any share: manifest signature, every sealed file and share."""
    settings = settings_from(ctx)
    doc = guarded(settings, "verify", {"sealed": sealed.name},
                  lambda: verify(sealed, trusted_key(settings, public_key)))
    click.echo(f"OK: {doc['model']['name']} {doc['model']['version']}, {len(doc['files'])} files, "
               f"{len(doc['shares'])} custodians, threshold {doc['threshold']}")


@vault.command("unseal")
@click.argument("sealed", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--share", "shares", multiple=True, required=True, help="SHARE_FILE:CUSTODIAN_KEY_FILE (K times).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--to-stdout", "to_stdout", default=None, help="Stream this one file to stdout instead.")
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--principal", default=None, help="Who reads (for the read budget); default: the OS user.")
@click.pass_context
def unseal_cmd(ctx: click.Context, sealed: Path, shares: tuple[str, ...], out: Path | None, to_stdout: str | None,
               public_key: Path | None, principal: str | None) -> None:
    """Decrypt with K custodians' shares, verifying the signature and every digest."""
    if (out is None) == (to_stdout is None):
        raise click.BadParameter("give exactly one of --out DIR or --to-stdout FILE")
    settings = settings_from(ctx)
    who = principal or getpass.getuser()
    trusted = trusted_key(settings, public_key)
    parsed = parse_shares(shares)
    details: dict[str, Any] = {"sealed": sealed.name, "principal": who}

    def go() -> int:
        doc = verify(sealed, trusted, contents=False)  # decryption below authenticates every chunk
        details["model"] = doc["model"]["name"]
        dek, custodians = recover_dek(sealed, doc, parsed)
        details["custodians"] = custodians
        size = model_size(doc) if out is not None else next(
            (int(f["size"]) for f in doc["files"] if f["path"] == to_stdout), 0)
        budget = ReadBudget(Path(settings.vault.state_file), settings.vault.budget_window_s)
        try:
            budget.charge(doc["model"]["name"], who, size, int(model_size(doc) * settings.vault.budget_multiple))
        finally:
            budget.close()
        if out is not None:
            written = unseal(sealed, doc, dek, out)
            if (sealed / "model.sig").exists() and public_key is not None:
                from bastion.vault.openssf import verify_model

                verify_model(out, sealed / "model.sig", public_key)
            return written
        assert to_stdout is not None
        return unseal_one(sealed, doc, dek, to_stdout, sys.stdout.buffer)

    written = guarded(settings, "unseal", details, go)
    click.echo(f"unsealed {written} bytes with the shares of {', '.join(details['custodians'])}", err=True)


@vault.command("rotate")
@click.argument("sealed", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--share", "shares", multiple=True, required=True, help="SHARE_FILE:CUSTODIAN_KEY_FILE (K times).")
@click.option("--custodians", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--threshold", type=click.IntRange(1), required=True)
@click.option("--signing-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.pass_context
def rotate_cmd(ctx: click.Context, sealed: Path, shares: tuple[str, ...], custodians: Path, threshold: int,
               signing_key: Path, public_key: Path | None) -> None:
    """Re-wrap the data key for a new custodian set without re-encrypting the weights."""
    settings = settings_from(ctx)
    trusted = trusted_key(settings, public_key)
    parsed = parse_shares(shares)

    def go() -> list[str]:
        doc = verify(sealed, trusted)
        dek, _ = recover_dek(sealed, doc, parsed)
        new = load_custodians(custodians)
        rotate(sealed, doc, dek, new, threshold, load_private(signing_key))
        return [c.name for c in new]

    new = guarded(settings, "rotate", {"sealed": sealed.name, "threshold": threshold}, go)
    click.echo(f"rotated: custodians now {', '.join(new)}, threshold {threshold}")
