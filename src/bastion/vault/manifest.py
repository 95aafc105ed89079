"""The signed manifest of a sealed model: canonical JSON signed with ECDSA P-256 (the same key is
used for the OpenSSF model-signing signature of the plaintext)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

FORMAT = "bastion-vault/1"


class ManifestError(ValueError):
    """A manifest that is missing, malformed, or not signed by the trusted key."""


def canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def load_private(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ManifestError(f"{path}: the signing key must be an EC (P-256) private key")
    return key


def load_public(pem: bytes) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ManifestError("the trusted key must be an EC (P-256) public key")
    return key


def public_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def write_signed(sealed: Path, doc: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> None:
    body = canonical(doc)
    (sealed / "manifest.json").write_bytes(body + b"\n")
    sig = key.sign(body, ec.ECDSA(hashes.SHA256()))
    (sealed / "manifest.sig").write_text(base64.b64encode(sig).decode() + "\n")


def read_verified(sealed: Path, trusted: ec.EllipticCurvePublicKey) -> dict[str, Any]:
    try:
        body = (sealed / "manifest.json").read_bytes().rstrip(b"\n")
        sig = base64.b64decode((sealed / "manifest.sig").read_text().strip(), validate=True)
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{sealed}: manifest or signature missing or unreadable ({exc})") from exc
    try:
        trusted.verify(sig, body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise ManifestError(f"{sealed}: manifest signature does not verify with the trusted key "
                            f"(altered, or signed by another key)") from exc
    doc: dict[str, Any] = json.loads(body)
    if doc.get("format") != FORMAT:
        raise ManifestError(f"{sealed}: unknown format {doc.get('format')!r}")
    return doc
