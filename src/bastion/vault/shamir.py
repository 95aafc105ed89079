"""Shamir's secret sharing over GF(2^8) (the AES field, polynomial x^8 + x^4 + x^3 + x + 1), byte-wise.

Any ``threshold`` of the ``n`` shares rebuild the secret; fewer reveal nothing about it. Share ``x``
coordinates are 1..n. Coefficients come from ``secrets`` (the OS CSPRNG).
"""

from __future__ import annotations

import secrets

_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x ^= (_x << 1) ^ (0x11B if _x & 0x80 else 0)  # multiply by the generator 3
    _x &= 0xFF
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in GF(256)")
    if a == 0:
        return 0
    return _EXP[(_LOG[a] - _LOG[b]) % 255]


class ShareError(ValueError):
    """Shares that cannot rebuild a secret (too few, duplicated, inconsistent lengths)."""


def split(secret: bytes, n: int, threshold: int) -> list[tuple[int, bytes]]:
    if not 1 <= threshold <= n <= 255:
        raise ShareError(f"need 1 <= threshold ({threshold}) <= shares ({n}) <= 255")
    coeffs = [[b, *secrets.token_bytes(threshold - 1)] for b in secret]
    shares = []
    for x in range(1, n + 1):
        out = bytearray()
        for poly in coeffs:
            y = 0
            for c in reversed(poly):  # Horner's rule
                y = _mul(y, x) ^ c
            out.append(y)
        shares.append((x, bytes(out)))
    return shares


def combine(shares: list[tuple[int, bytes]]) -> bytes:
    """Lagrange interpolation at x = 0. The caller decides how many shares are enough."""
    if not shares:
        raise ShareError("no shares")
    xs = [x for x, _ in shares]
    if len(set(xs)) != len(xs) or any(not 1 <= x <= 255 for x in xs):
        raise ShareError("share indices must be distinct and in 1..255")
    length = len(shares[0][1])
    if any(len(y) != length for _, y in shares):
        raise ShareError("shares have different lengths")
    secret = bytearray(length)
    for i, (xi, yi) in enumerate(shares):
        num, den = 1, 1
        for j, (xj, _) in enumerate(shares):
            if i != j:
                num = _mul(num, xj)
                den = _mul(den, xi ^ xj)
        weight = _div(num, den)
        for k in range(length):
            secret[k] ^= _mul(yi[k], weight)
    return bytes(secret)
