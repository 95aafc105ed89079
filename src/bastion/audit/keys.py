"""The log's signing key: a C2SP signer key string in a file, created on first use if allowed."""

from __future__ import annotations

import logging
from pathlib import Path

from bastion.audit.note import NoteError, NoteSigner, NoteVerifier
from bastion.audit.settings import AuditSettings
from bastion.keyfile import create_private

log = logging.getLogger("bastion.audit")


class KeyError_(RuntimeError):
    """The signing key is missing or unreadable."""


def load_signer(settings: AuditSettings) -> NoteSigner:
    path = Path(settings.signing_key_file)
    if not path.exists():
        if not settings.generate_key:
            raise KeyError_(f"audit signing key {path} does not exist (and audit.generate_key is off)")
        return write_new_key(path, settings.origin)
    try:
        signer = NoteSigner.parse(path.read_text())
    except (OSError, NoteError) as exc:
        raise KeyError_(f"cannot read audit signing key {path}: {exc}") from exc
    if signer.name != settings.origin:
        raise KeyError_(f"audit signing key is named {signer.name!r} but the log's origin is {settings.origin!r}")
    return signer


def write_new_key(path: Path, origin: str) -> NoteSigner:
    signer = NoteSigner.generate(origin)
    create_private(path, (signer.key_string() + "\n").encode())
    log.warning("generated a new audit signing key at %s (verifier key %s)", path, signer.verifier.key_string())
    return signer


def trusted_verifiers(settings: AuditSettings, signer: NoteSigner) -> list[NoteVerifier]:
    return [signer.verifier, *(NoteVerifier.parse(k) for k in settings.previous_verifier_keys)]
