"""C2SP signed notes with Ed25519 keys (the format Go's ``golang.org/x/mod/sumdb/note`` and
transparency-log tooling read).

A note is UTF-8 text ending in a newline, then a blank line, then one signature line per key:
``— <key name> <base64(key id[4] || signature[64])>``. The key id is the first four bytes of
SHA-256(name || "\\n" || 0x01 || public key); 0x01 names the Ed25519 algorithm. Keys are written as
``<name>+<hex id>+<base64(0x01 || public key)>`` (verifier) and
``PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`` (signer).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
DASH = "\u2014 "


class NoteError(ValueError):
    """A malformed note or key, or a signature that does not verify."""


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def _key_blob(blob: str, hexid: str, what: str) -> bytes:
    """The 32 key bytes of a base64(0x01 || key) blob; ``hexid`` is checked by the caller."""
    try:
        raw = base64.b64decode(blob, validate=True)
    except ValueError as exc:
        raise NoteError(f"{what} key is not valid base64") from exc
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise NoteError(f"{what} key is not an Ed25519 key")
    return raw[1:]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"invalid key name {name!r}: no spaces or '+'")


@dataclass(frozen=True)
class NoteVerifier:
    name: str
    public_key: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def key_string(self) -> str:
        blob = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.id.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> NoteVerifier:
        parts = text.strip().split("+", 2)  # the base64 key itself may contain '+'
        if len(parts) != 3:
            raise NoteError("verifier key must be name+hash+key")
        name, hexid, blob = parts
        _check_name(name)
        v = cls(name, _key_blob(blob, hexid, "verifier"))
        if v.id.hex() != hexid.lower():
            raise NoteError("verifier key hash does not match its name and key")
        return v

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


class NoteSigner:
    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _check_name(name)
        self.name = name
        self._key = private_key
        pub = private_key.public_key().public_bytes_raw()
        self.verifier = NoteVerifier(name, pub)

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        return cls(name, Ed25519PrivateKey.generate())

    def key_string(self) -> str:
        seed = self._key.private_bytes_raw()
        blob = base64.b64encode(bytes([ALG_ED25519]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.id.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> NoteSigner:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("signer key must be PRIVATE+KEY+name+hash+key")
        name, hexid, blob = parts[2:]
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(_key_blob(blob, hexid, "signer")))
        if signer.verifier.id.hex() != hexid.lower():
            raise NoteError("signer key hash does not match its name and key")
        return signer

    def sign(self, text: str) -> str:
        """The signed note: ``text`` (ending in a newline), a blank line, our signature line."""
        _check_text(text)
        sig = self._key.sign(text.encode())
        return f"{text}\n{DASH}{self.name} {base64.b64encode(self.verifier.id + sig).decode()}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if "\n\n" in text:
        raise NoteError("note text must not contain a blank line")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("note text must not contain control characters")


def open_note(signed: str, verifier: NoteVerifier) -> str:
    """The text of ``signed`` if ``verifier`` signed it; raises NoteError otherwise."""
    text, sep, sigs = signed.partition("\n\n")
    if not sep:
        raise NoteError("no signature block")
    text += "\n"
    _check_text(text)
    found = False
    for line in sigs.splitlines():
        if not line.startswith(DASH):
            raise NoteError(f"malformed signature line {line[:40]!r}")
        name, _, blob = line[len(DASH):].rpartition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError as exc:
            raise NoteError("signature is not valid base64") from exc
        if name != verifier.name or raw[:4] != verifier.id:
            continue  # someone else's signature (a witness's, say)
        if len(raw) != 68 or not verifier.verify(text.encode(), raw[4:]):
            raise NoteError(f"invalid signature by {name}")
        found = True
    if not found:
        raise NoteError(f"note is not signed by {verifier.name}")
    return text


def signer_ids(signed: str) -> list[str]:
    """``<key name>+<hex key id>`` of each signature line of a note (unverified: for messages only)."""
    _, _, sigs = signed.partition("\n\n")
    out: list[str] = []
    for line in sigs.splitlines():
        name, _, blob = line.removeprefix(DASH).rpartition(" ")
        try:
            out.append(f"{name}+{base64.b64decode(blob, validate=True)[:4].hex()}")
        except ValueError:
            out.append(f"{name}+?")
    return out
