"""Property tests: Shamir splitting/joining, and the chunk format's tamper evidence."""

from __future__ import annotations

import io
import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.vault import shamir
from bastion.vault.chunks import HEADER, TAG, SealError, open_stream, seal_stream

KEY = bytes(range(32))


@settings(max_examples=80, deadline=None)
@given(secret=st.binary(min_size=1, max_size=48), n=st.integers(1, 8), data=st.data())
def test_any_k_shares_rebuild_and_k_minus_1_do_not(secret: bytes, n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(1, n))
    shares = shamir.split(secret, n, k)
    subset = data.draw(st.permutations(shares)).__getitem__(slice(0, k))
    assert shamir.combine(list(subset)) == secret
    if k > 1 and len(secret) >= 16:
        assert shamir.combine(list(subset)[: k - 1]) != secret


def seal(data: bytes, chunk: int) -> bytes:
    out = io.BytesIO()
    seal_stream(io.BytesIO(data), out, KEY, chunk)
    return out.getvalue()


def unseal(blob: bytes) -> bytes:
    return b"".join(open_stream(io.BytesIO(blob), KEY, "f"))


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=3000), chunk=st.integers(4096, 4096))
def test_round_trip(data: bytes, chunk: int) -> None:
    assert unseal(seal(data, chunk)) == data


def chunks_of(blob: bytes, chunk: int) -> tuple[bytes, list[bytes]]:
    head, body = blob[: HEADER.size], blob[HEADER.size :]
    step = chunk + TAG
    return head, [body[i : i + step] for i in range(0, len(body), step)]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), kind=st.sampled_from(["flip", "swap", "drop", "duplicate", "truncate",
                                                         "append", "cut_at_boundary"]))
def test_every_tampering_is_detected(seed: int, kind: str) -> None:
    rng = random.Random(seed)
    chunk = 4096
    data = rng.randbytes(chunk * 4 + rng.randint(1, chunk - 1))
    blob = seal(data, chunk)
    head, parts = chunks_of(blob, chunk)
    if kind == "flip":
        pos = rng.randrange(HEADER.size, len(blob))
        bad = bytearray(blob)
        bad[pos] ^= 1 << rng.randrange(8)
        blob2 = bytes(bad)
    elif kind == "swap":
        i, j = rng.sample(range(len(parts) - 1), 2)
        parts[i], parts[j] = parts[j], parts[i]
        blob2 = head + b"".join(parts)
    elif kind == "drop":
        del parts[rng.randrange(len(parts))]
        blob2 = head + b"".join(parts)
    elif kind == "duplicate":
        i = rng.randrange(len(parts) - 1)
        parts.insert(i, parts[i])
        blob2 = head + b"".join(parts)
    elif kind == "truncate":
        blob2 = blob[: rng.randrange(HEADER.size, len(blob))]
    elif kind == "append":
        blob2 = blob + os.urandom(rng.randint(1, 100))
    else:
        blob2 = head + b"".join(parts[: rng.randint(1, len(parts) - 1)])
    with pytest.raises(SealError, match=r"chunk|truncated"):
        unseal(blob2)


def test_chunk_from_another_file_is_refused() -> None:
    a, b = seal(b"a" * 10000, 4096), seal(b"b" * 10000, 4096)
    ha, pa = chunks_of(a, 4096)
    _, pb = chunks_of(b, 4096)
    with pytest.raises(SealError, match="chunk 1"):
        unseal(ha + pa[0] + pb[1] + pa[2])
