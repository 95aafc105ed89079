"""The report-signing key: Ed25519, a PKCS#8 PEM file (mode 0600), created on first use when allowed.

The public key travels inside ``report.json`` (so anyone can check the report was not changed after
signing) and as ``<key>.pub.pem`` beside the private key (so a reader can pin the signer with
``bastion redteam verify --public-key``).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bastion.keyfile import create_private


class KeyError_(ValueError):
    """A key that is missing, unreadable or not Ed25519."""


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public).hexdigest()[:16]


def public_b64(key: Ed25519PublicKey) -> str:
    return base64.b64encode(raw_public(key)).decode()


def write_new_key(path: Path) -> Ed25519PrivateKey:
    """A new key at ``path`` (never overwriting one), and its public half at ``<path>.pub.pem``."""
    key = Ed25519PrivateKey.generate()
    try:
        create_private(path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    except FileExistsError as exc:
        raise KeyError_(f"{path} exists; refusing to overwrite a signing key") from exc
    pub_path(path).write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                             serialization.PublicFormat.SubjectPublicKeyInfo))
    return key


def pub_path(path: Path) -> Path:
    return path.with_name(path.name + ".pub.pem")


def load_private(path: Path, create: bool = False) -> tuple[Ed25519PrivateKey, bool]:
    """(key, created). With ``create``, a missing key file is made."""
    if not path.exists():
        if not create:
            raise KeyError_(f"signing key {path} does not exist (create it with `bastion redteam keygen`)")
        return write_new_key(path), True
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyError_(f"cannot read signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyError_(f"{path} is not an Ed25519 key")
    return key, False


def load_public(ref: str) -> Ed25519PublicKey:
    """A public key from a PEM file path, or from base64 of the 32 raw bytes (as in report.json)."""
    path = Path(ref)
    try:
        if path.exists():
            key = serialization.load_pem_public_key(path.read_bytes())
            if not isinstance(key, Ed25519PublicKey):
                raise KeyError_(f"{ref} is not an Ed25519 public key")
            return key
        raw = base64.b64decode(ref, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (OSError, ValueError) as exc:
        if isinstance(exc, KeyError_):
            raise
        raise KeyError_(f"cannot read public key {ref!r}: {exc}") from exc
