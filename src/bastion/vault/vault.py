"""Seal, verify, unseal and rotate a model directory (pure file operations; no database, no network).

Keys: a fresh 256-bit data key (DEK) per model encrypts every file; the DEK is wrapped under a
key-encryption key (KEK); the KEK is split with Shamir into one share per custodian, threshold K,
each share sealed to its custodian's X25519 key. Nobody stores the KEK or the DEK.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bastion.vault import shamir
from bastion.vault.chunks import DEFAULT_CHUNK, SealError, file_id_of, open_stream, seal_stream
from bastion.vault.custodians import Custodian, CustodianError, b64, open_share, seal_share, unb64
from bastion.vault.direct import open_output
from bastion.vault.manifest import FORMAT, ManifestError, canonical, public_pem, read_verified, write_signed


class VaultError(ValueError):
    """Any refusal of the vault, with a precise reason (which file, which chunk, which share)."""


@dataclass
class SealReport:
    model: str
    files: int
    bytes: int
    custodians: list[str]
    threshold: int


def _model_files(model_dir: Path) -> list[Path]:
    files = sorted(p for p in model_dir.rglob("*") if p.is_file())
    if not files:
        raise VaultError(f"{model_dir}: no files to seal")
    return files


def _context(doc: dict[str, Any]) -> bytes:
    """Binds shares and the wrapped key to this model and version."""
    return f"{doc['model']['name']}@{doc['model']['version']}".encode()


def _wrap_keys(doc: dict[str, Any], dek: bytes, custodians: list[Custodian], threshold: int,
               sealed: Path) -> None:
    kek = os.urandom(32)
    nonce = os.urandom(12)
    doc["wrapped_key"] = {"nonce": b64(nonce), "ciphertext": b64(AESGCM(kek).encrypt(nonce, dek, _context(doc)))}
    doc["custodians"] = [{"name": c.name, "public_key": b64(c.public_key)} for c in custodians]
    doc["threshold"] = threshold
    shares_dir = sealed / "shares"
    if shares_dir.exists():
        shutil.rmtree(shares_dir)
    shares_dir.mkdir(parents=True)
    doc["shares"] = []
    for custodian, (index, share) in zip(custodians, shamir.split(kek, len(custodians), threshold), strict=True):
        sealed_share = seal_share(custodian, index, share, _context(doc))
        body = json.dumps(sealed_share, indent=1).encode()
        rel = f"shares/{custodian.name}.json"
        (sealed / rel).write_bytes(body)
        doc["shares"].append({"custodian": custodian.name, "file": rel, "share_sha256": sealed_share["share_sha256"],
                              "file_sha256": hashlib.sha256(body).hexdigest()})


def seal(model_dir: Path, out: Path, custodians: list[Custodian], threshold: int,
         signing_key: ec.EllipticCurvePrivateKey, name: str, version: str,
         chunk_size: int = DEFAULT_CHUNK) -> SealReport:
    if not 1 <= threshold <= len(custodians):
        raise VaultError(f"threshold {threshold} must be between 1 and the number of custodians ({len(custodians)})")
    if out.exists() and any(out.iterdir()):
        raise VaultError(f"{out}: exists and is not empty; refusing to overwrite a sealed model")
    (out / "files").mkdir(parents=True, exist_ok=True)
    dek = os.urandom(32)
    doc: dict[str, Any] = {"format": FORMAT, "model": {"name": name, "version": version},
                           "created": datetime.now(UTC).isoformat(timespec="seconds"), "chunk_size": chunk_size,
                           "signer_public_key": public_pem(signing_key), "files": []}
    total = 0
    for n, path in enumerate(_model_files(model_dir)):
        rel_sealed = f"files/{n:05d}.sealed"
        with path.open("rb") as src, open_output(out / rel_sealed) as dst:
            s = seal_stream(src, dst, dek, chunk_size)
        total += s.size
        doc["files"].append({"path": path.relative_to(model_dir).as_posix(), "size": s.size, "sha256": s.plain_sha256,
                             "sealed": rel_sealed, "sealed_sha256": s.sealed_sha256, "chunks": s.chunks,
                             "file_id": s.file_id})
    _wrap_keys(doc, dek, custodians, threshold, out)
    write_signed(out, doc, signing_key)
    return SealReport(name, len(doc["files"]), total, [c.name for c in custodians], threshold)


def verify(sealed: Path, trusted: ec.EllipticCurvePublicKey, contents: bool = True) -> dict[str, Any]:
    """Check a sealed model without any share: signature, every sealed file and share file digest.

    ``contents=False`` skips hashing the sealed files (one full read of the model). Unsealing
    passes it: decryption authenticates every chunk, its place and the file's end under the data
    key, and checks the plaintext against its signed digest, so a second pass would only repeat
    what decryption proves."""
    try:
        doc = read_verified(sealed, trusted)
    except ManifestError as exc:
        raise VaultError(str(exc)) from exc
    for f in doc["files"]:
        path = sealed / f["sealed"]
        if not path.exists():
            raise VaultError(f"{f['path']}: sealed file {f['sealed']} is missing")
        if file_id_of(str(path)) != f["file_id"]:
            raise VaultError(f"{f['path']}: {f['sealed']} belongs to another seal (file id differs)")
        if contents and _sha256_file(path) != f["sealed_sha256"]:
            raise VaultError(f"{f['path']}: {f['sealed']} does not match its signed digest (altered or truncated)")
    for s in doc["shares"]:
        try:
            body = (sealed / s["file"]).read_bytes()
        except OSError as exc:
            raise VaultError(f"share of {s['custodian']}: {s['file']} is missing") from exc
        if hashlib.sha256(body).hexdigest() != s["file_sha256"]:
            raise VaultError(f"share of {s['custodian']}: {s['file']} does not match its signed digest")
    return doc


def _sha256_file(path: Path, block: int = 8 * 1024 * 1024) -> str:
    """SHA-256 of a file, hashing one block on a second core while the next is read."""
    h = hashlib.sha256()
    bufs = [bytearray(block), bytearray(block)]
    with path.open("rb", buffering=0) as fh, ThreadPoolExecutor(1) as hasher:
        pending: Future[None] | None = None
        i = 0
        while n := fh.readinto(bufs[i % 2]):
            if pending is not None:
                pending.result()
            pending = hasher.submit(h.update, memoryview(bufs[i % 2])[:n])
            i += 1
        if pending is not None:
            pending.result()
    return h.hexdigest()


def recover_dek(sealed: Path, doc: dict[str, Any], shares: list[tuple[Path, bytes]]) -> tuple[bytes, list[str]]:
    """Open K custodians' shares (share file, custodian private key) and unwrap the data key."""
    known = {s["custodian"]: s for s in doc["shares"]}
    opened: dict[str, tuple[int, bytes]] = {}
    for share_path, private_key in shares:
        try:
            sealed_share = json.loads(share_path.read_text())
        except (OSError, ValueError) as exc:
            raise VaultError(f"{share_path}: not a share file ({exc})") from exc
        name = str(sealed_share.get("custodian"))
        if name not in known:
            raise VaultError(f"{share_path}: custodian {name!r} is not a custodian of this seal")
        try:
            index, share = open_share(sealed_share, private_key, _context(doc))
        except CustodianError as exc:
            raise VaultError(str(exc)) from exc
        if hashlib.sha256(bytes([index]) + share).hexdigest() != known[name]["share_sha256"]:
            raise VaultError(f"share of {name}: does not match the signed manifest (forged or from another seal)")
        opened[name] = (index, share)
    if len(opened) < doc["threshold"]:
        raise VaultError(f"{len(opened)} custodian share(s) given, {doc['threshold']} needed")
    kek = shamir.combine(list(opened.values())[: doc["threshold"]])
    wrapped = doc["wrapped_key"]
    try:
        dek = AESGCM(kek).decrypt(unb64(wrapped["nonce"], "nonce"), unb64(wrapped["ciphertext"], "key"), _context(doc))
    except (InvalidTag, CustodianError) as exc:
        raise VaultError("the shares do not rebuild the key-encryption key") from exc
    return dek, sorted(opened)


def _plaintext(sealed: Path, f: dict[str, Any], dek: bytes) -> Iterator[bytes | memoryview]:
    path = sealed / f["sealed"]
    if not path.exists():
        raise VaultError(f"{f['path']}: sealed file {f['sealed']} is missing")
    if file_id_of(str(path)) != f["file_id"]:
        raise VaultError(f"{f['path']}: {f['sealed']} belongs to another seal (file id differs)")
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh, ThreadPoolExecutor(1) as hasher:  # hash on a second core while writing
        pending: Future[None] | None = None
        try:
            # reused buffers: a chunk is hashed (awaited below) and written before its buffer comes round again
            for chunk in open_stream(fh, dek, f["path"], reuse=True):
                if pending is not None:
                    pending.result()
                pending = hasher.submit(h.update, chunk)
                size += len(chunk)
                yield chunk
        except SealError as exc:
            raise VaultError(str(exc)) from exc
        if pending is not None:
            pending.result()
    if size != f["size"] or h.hexdigest() != f["sha256"]:
        raise VaultError(f"{f['path']}: plaintext does not match its signed digest")


def unseal(sealed: Path, doc: dict[str, Any], dek: bytes, out: Path) -> int:
    """Decrypt every file into ``out`` (written as ``.partial`` and renamed only once verified)."""
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for f in doc["files"]:
        target = out / f["path"]
        if not target.resolve().is_relative_to(out.resolve()):
            raise VaultError(f"{f['path']}: path escapes the output directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        try:
            with open_output(partial) as dst:
                for chunk in _plaintext(sealed, f, dek):
                    dst.write(chunk)
                    total += len(chunk)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
    return total


def unseal_one(sealed: Path, doc: dict[str, Any], dek: bytes, name: str, dst: BinaryIO) -> int:
    """Stream one file (no plaintext on disk). A failure raises after the bytes already written: the
    reader must treat the stream as invalid unless the command exits 0."""
    for f in doc["files"]:
        if f["path"] == name:
            total = 0
            for chunk in _plaintext(sealed, f, dek):
                dst.write(chunk)
                total += len(chunk)
            return total
    raise VaultError(f"{name}: no such file in the sealed model")


def rotate(sealed: Path, doc: dict[str, Any], dek: bytes, custodians: list[Custodian], threshold: int,
           signing_key: ec.EllipticCurvePrivateKey) -> None:
    """Re-wrap the data key for a new custodian set; the encrypted weights are not touched."""
    if not 1 <= threshold <= len(custodians):
        raise VaultError(f"threshold {threshold} must be between 1 and the number of custodians ({len(custodians)})")
    _wrap_keys(doc, dek, custodians, threshold, sealed)
    doc["rotated"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_signed(sealed, doc, signing_key)


def model_size(doc: dict[str, Any]) -> int:
    return sum(int(f["size"]) for f in doc["files"])


__all__ = ["VaultError", "canonical", "model_size", "recover_dek", "rotate", "seal", "unseal", "unseal_one", "verify"]
