"""The direct-I/O output writer: whatever sequence of writes, the file holds exactly their bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.vault.direct import ALIGN, DirectWriter, open_output

PIECES = st.lists(st.one_of(st.binary(max_size=64), st.integers(0, 5 * ALIGN).map(os.urandom)), max_size=12)


def _write(writer: DirectWriter, pieces: list[bytes]) -> None:
    with writer:
        for piece in pieces:
            assert writer.write(memoryview(piece)) == len(piece)


@settings(max_examples=60, deadline=None)
@given(pieces=PIECES)
def test_small_stages_keep_every_byte_in_order(tmp_path_factory: pytest.TempPathFactory, pieces: list[bytes]) -> None:
    # A two-block stage forces many hand-offs to the I/O thread and a padded, cut-back tail.
    path = tmp_path_factory.mktemp("direct") / "out.bin"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_DIRECT", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError:  # no O_DIRECT on this file system: the same code path over a buffered fd
        fd = os.open(path, flags & ~getattr(os, "O_DIRECT", 0), 0o600)
    _write(DirectWriter(fd, stage=2 * ALIGN), pieces)
    assert path.read_bytes() == b"".join(pieces)


def test_open_output_truncates_and_is_private(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(b"x" * 100_000)
    data = os.urandom(3 * 1024 * 1024 + 17)
    with open_output(path) as out:
        out.write(data[:5])
        out.write(data[5:])
    assert path.read_bytes() == data
    fresh = tmp_path / "new.bin"
    with open_output(fresh) as out:
        out.write(b"plaintext weights")
    assert fresh.stat().st_mode & 0o777 == 0o600  # a new file is readable by its owner only


def test_stage_must_be_block_aligned(tmp_path: Path) -> None:
    fd = os.open(tmp_path / "x", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with pytest.raises(ValueError, match="multiple of 4096"):
            DirectWriter(fd, stage=ALIGN + 1)
    finally:
        os.close(fd)
