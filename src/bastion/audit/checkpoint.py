"""C2SP tlog-checkpoint: origin line, decimal tree size, base64 root hash (then optional extensions)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from bastion.audit.note import NoteError, NoteSigner, NoteVerifier, open_note


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    def sign(self, signer: NoteSigner) -> str:
        return signer.sign(self.text())

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("checkpoint needs origin, size and root lines")
        origin, size_s, root_s = lines[0], lines[1], lines[2]
        if not origin or not size_s.isdigit() or (size_s != "0" and size_s.startswith("0")):
            raise NoteError("malformed checkpoint origin or size")
        try:
            root = base64.b64decode(root_s, validate=True)
        except ValueError as exc:
            raise NoteError("checkpoint root is not base64") from exc
        if len(root) != 32:
            raise NoteError("checkpoint root is not a SHA-256 hash")
        return cls(origin, int(size_s), root)

    @classmethod
    def open(cls, signed: str, verifier: NoteVerifier, origin: str | None = None) -> Checkpoint:
        """Verify the note's signature, then parse; optionally insist on the origin."""
        cp = cls.parse(open_note(signed, verifier))
        if origin is not None and cp.origin != origin:
            raise NoteError(f"checkpoint origin {cp.origin!r} is not {origin!r}")
        return cp
