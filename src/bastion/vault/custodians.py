"""Custodians and their shares: each Shamir share of the key-encryption key is sealed to one
custodian's X25519 public key (ephemeral X25519, HKDF-SHA256, AES-256-GCM), so only that custodian's
private key opens it, and no single person - operator included - ever holds the key."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"bastion-vault share v1"


class CustodianError(ValueError):
    """A custodian file, key or share that is malformed, wrong or forged."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise CustodianError(f"{what} is not valid base64") from exc


@dataclass(frozen=True)
class Custodian:
    name: str
    public_key: bytes  # raw X25519


def load_custodians(path: Path) -> list[Custodian]:
    try:
        doc = json.loads(path.read_text())
        out = [Custodian(str(c["name"]), unb64(c["public_key"], f"public key of {c['name']}"))
               for c in doc["custodians"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CustodianError(f"{path}: expected {{\"custodians\": [{{\"name\", \"public_key\"}}]}} ({exc})") from exc
    names = [c.name for c in out]
    if len(set(names)) != len(names) or not out:
        raise CustodianError(f"{path}: custodian names must be unique and the list non-empty")
    if any(len(c.public_key) != 32 for c in out):
        raise CustodianError(f"{path}: every public key must be a raw 32-byte X25519 key (base64)")
    return out


def new_custodian_key() -> tuple[bytes, bytes]:
    """(private, public) raw X25519 key bytes."""
    priv = X25519PrivateKey.generate()
    return priv.private_bytes_raw(), priv.public_key().public_bytes_raw()


def _kdf(shared: bytes, eph_pub: bytes, recipient: bytes) -> bytes:
    return HKDF(SHA256(), 32, salt=eph_pub + recipient, info=INFO).derive(shared)


def seal_share(custodian: Custodian, index: int, share: bytes, context: bytes) -> dict[str, Any]:
    eph = X25519PrivateKey.generate()
    eph_pub = eph.public_key().public_bytes_raw()
    key = _kdf(eph.exchange(X25519PublicKey.from_public_bytes(custodian.public_key)), eph_pub, custodian.public_key)
    nonce = os.urandom(12)
    aad = context + custodian.name.encode() + bytes([index])
    return {"custodian": custodian.name, "index": index, "ephemeral_public": b64(eph_pub), "nonce": b64(nonce),
            "ciphertext": b64(AESGCM(key).encrypt(nonce, share, aad)),
            "share_sha256": hashlib.sha256(bytes([index]) + share).hexdigest()}


def open_share(sealed: dict[str, Any], private_key: bytes, context: bytes) -> tuple[int, bytes]:
    name = str(sealed.get("custodian", "?"))
    try:
        priv = X25519PrivateKey.from_private_bytes(private_key)
        eph_pub = unb64(sealed["ephemeral_public"], "ephemeral key")
        recipient = priv.public_key().public_bytes_raw()
        key = _kdf(priv.exchange(X25519PublicKey.from_public_bytes(eph_pub)), eph_pub, recipient)
        index = int(sealed["index"])
        aad = context + name.encode() + bytes([index])
        share = AESGCM(key).decrypt(unb64(sealed["nonce"], "nonce"), unb64(sealed["ciphertext"], "share"), aad)
    except InvalidTag as exc:
        raise CustodianError(f"share of {name}: does not open with this private key (wrong key, altered share, "
                             f"or a share of another seal)") from exc
    except (KeyError, ValueError, TypeError) as exc:
        raise CustodianError(f"share of {name}: malformed ({exc})") from exc
    if hashlib.sha256(bytes([index]) + share).hexdigest() != sealed.get("share_sha256"):
        raise CustodianError(f"share of {name}: content does not match its recorded digest")
    return index, share


def private_key_file(raw: bytes) -> str:
    return json.dumps({"type": "bastion-vault-custodian-key", "private_key": b64(raw)}) + "\n"


def read_private_key(path: Path) -> bytes:
    try:
        doc = json.loads(path.read_text())
        raw = unb64(doc["private_key"], f"{path}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CustodianError(f"{path}: not a custodian private key file ({exc})") from exc
    if len(raw) != 32:
        raise CustodianError(f"{path}: not an X25519 private key")
    return raw


def public_pem(raw: bytes) -> bytes:
    return X25519PublicKey.from_public_bytes(raw).public_bytes(serialization.Encoding.PEM,
                                                                serialization.PublicFormat.SubjectPublicKeyInfo)
