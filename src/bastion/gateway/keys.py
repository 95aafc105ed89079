"""API keys: generated once, shown once, stored only as HMAC-SHA256 under the server secret.

A key looks like ``bst_<8-char prefix><32-char secret>``. The first 12 characters (``bst_`` and the
prefix) are stored in clear to find the row; the whole key is checked against the keyed hash, in
constant time. A database leak therefore yields no usable key, and without the server secret no
offline guessing is possible either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

KEY_PREFIX = "bst_"
PREFIX_LEN = len(KEY_PREFIX) + 8
_ALPHABET = string.ascii_letters + string.digits


def generate_key() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(40))
    return KEY_PREFIX + body


def key_prefix(key: str) -> str | None:
    """The public lookup prefix of a well-formed key, or None for anything else."""
    if not key.startswith(KEY_PREFIX) or len(key) != PREFIX_LEN + 32:
        return None
    if not all(c in _ALPHABET for c in key[len(KEY_PREFIX):]):
        return None
    return key[:PREFIX_LEN]


def hash_key(secret: str, key: str) -> str:
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def key_matches(secret: str, key: str, stored_hmac: str) -> bool:
    return hmac.compare_digest(hash_key(secret, key), stored_hmac)
