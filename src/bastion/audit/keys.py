"""The log's signing key: a C2SP signer key string in a file, readable by its owner only.

Reading a key never creates one. A key is created by ``bastion audit keygen`` or, when
``audit.generate_key`` is on, by the first start of an empty log (``identity.bind_signer``): a
replica that joins an existing log must be given that log's key, never a new one of its own.
"""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from bastion.audit.note import NoteError, NoteSigner, NoteVerifier
from bastion.audit.settings import AuditSettings
from bastion.keyfile import create_private

log = logging.getLogger("bastion.audit")


class KeyError_(RuntimeError):
    """The signing key is missing, unreadable, too widely readable, or not the log's key."""


def read_signer(path: Path, origin: str) -> NoteSigner:
    """Load the signer key at ``path``; refuse a file that group or others may read or write (as ssh
    does): a key anyone else can read is a key anyone else can sign checkpoints with."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyError_(f"audit signing key {path} has mode {stat.S_IMODE(mode):04o}: it must not be "
                            f"accessible by group or others (chmod 600 {path})")
        signer = NoteSigner.parse(path.read_text())
    except (OSError, NoteError) as exc:
        raise KeyError_(f"cannot read audit signing key {path}: {exc}") from exc
    if signer.name != origin:
        raise KeyError_(f"audit signing key is named {signer.name!r} but the log's origin is {origin!r}")
    return signer


def load_signer(settings: AuditSettings) -> NoteSigner:
    """The configured signer key; a missing file is an error (this never generates a key)."""
    path = Path(settings.signing_key_file)
    if not path.exists():
        raise KeyError_(f"audit signing key {path} does not exist (create it with `bastion audit keygen`)")
    return read_signer(path, settings.origin)


def write_new_key(path: Path, origin: str) -> NoteSigner:
    signer = NoteSigner.generate(origin)
    create_private(path, (signer.key_string() + "\n").encode())
    log.warning("generated a new audit signing key at %s (verifier key %s)", path, signer.verifier.key_string())
    return signer


def trusted_verifiers(settings: AuditSettings, signer: NoteSigner) -> list[NoteVerifier]:
    return [signer.verifier, *(NoteVerifier.parse(k) for k in settings.previous_verifier_keys)]
