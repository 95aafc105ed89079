"""The sealed-file format: AES-256-GCM over fixed-size chunks, streamed with constant memory.

``header = b"BVLT" || version(1) || file_id(16) || nonce_prefix(8) || chunk_size(4, big-endian)``,
then for each chunk ``ciphertext || tag(16)``. Chunk ``i`` uses nonce ``nonce_prefix || i (4 bytes)``
and associated data ``file_id || i (8 bytes) || final (1 byte)``, so a chunk moved, dropped, repeated,
taken from another file or another seal, or a file cut after any chunk fails to decrypt, and the
error names the chunk. See docs/vault-format.md.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"BVLT"
VERSION = 1
HEADER = struct.Struct(">4sB16s8sI")
TAG = 16
DEFAULT_CHUNK = 4 * 1024 * 1024


class SealError(ValueError):
    """A sealed file that does not decrypt or verify; the message names the file and chunk."""


@dataclass
class Sealed:
    size: int
    plain_sha256: str
    sealed_sha256: str
    chunks: int
    file_id: str


def _aad(file_id: bytes, index: int, final: bool) -> bytes:
    return file_id + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def _read_full(src: BinaryIO, n: int) -> bytes:
    first = src.read(n)  # a regular file returns all n bytes at once: no extra copy
    if len(first) == n or not first:
        return first
    buf = bytearray(first)
    while len(buf) < n:
        part = src.read(n - len(buf))
        if not part:
            break
        buf += part
    return bytes(buf)


def seal_stream(src: BinaryIO, dst: BinaryIO, key: bytes, chunk_size: int = DEFAULT_CHUNK) -> Sealed:
    """Encrypt ``src`` into ``dst``. The two SHA-256 digests run on their own threads (hashlib and
    AES-GCM both release the GIL), so hashing overlaps encryption and I/O on a second core."""
    aead = AESGCM(key)
    file_id, prefix = os.urandom(16), os.urandom(8)
    header = HEADER.pack(MAGIC, VERSION, file_id, prefix, chunk_size)
    dst.write(header)
    plain, sealed = hashlib.sha256(), hashlib.sha256(header)
    size = index = 0
    with ThreadPoolExecutor(1) as plain_hasher, ThreadPoolExecutor(1) as sealed_hasher:
        pending: list[Future[None]] = []
        chunk = _read_full(src, chunk_size)
        while True:
            nxt = _read_full(src, chunk_size) if len(chunk) == chunk_size else b""
            final = not nxt
            ct = aead.encrypt(prefix + index.to_bytes(4, "big"), chunk, _aad(file_id, index, final))
            for f in pending:  # at most one chunk in flight per hasher: memory stays constant
                f.result()
            pending = [plain_hasher.submit(plain.update, chunk), sealed_hasher.submit(sealed.update, ct)]
            dst.write(ct)
            size += len(chunk)
            index += 1
            if final:
                break
            chunk = nxt
        for f in pending:
            f.result()
    return Sealed(size, plain.hexdigest(), sealed.hexdigest(), index, file_id.hex())


def open_stream(src: BinaryIO, key: bytes, name: str = "file") -> Iterator[bytes]:
    """Yield the plaintext chunk by chunk; raises SealError naming the chunk on any tampering."""
    head = _read_full(src, HEADER.size)
    if len(head) != HEADER.size:
        raise SealError(f"{name}: truncated header")
    magic, version, file_id, prefix, chunk_size = HEADER.unpack(head)
    if magic != MAGIC or version != VERSION:
        raise SealError(f"{name}: not a Bastion sealed file (version {version})")
    if not 0 < chunk_size <= 256 * 1024 * 1024:
        raise SealError(f"{name}: implausible chunk size {chunk_size}")
    aead = AESGCM(key)
    index = 0
    block = _read_full(src, chunk_size + TAG)
    while True:
        if len(block) < TAG:
            raise SealError(f"{name}: truncated after chunk {index - 1} (no final chunk)")
        nxt = _read_full(src, chunk_size + TAG) if len(block) == chunk_size + TAG else b""
        final = not nxt
        try:
            pt = aead.decrypt(prefix + index.to_bytes(4, "big"), block, _aad(file_id, index, final))
        except InvalidTag:
            if final:
                # The last block we have does not authenticate as final: the file was cut short, or altered.
                raise SealError(f"{name}: chunk {index} fails authentication (altered, or the file was "
                                f"truncated after it)") from None
            raise SealError(f"{name}: chunk {index} fails authentication (altered, reordered, dropped "
                            f"or from another file)") from None
        yield pt
        index += 1
        if final:
            return
        block = nxt


def file_id_of(path: str) -> str:
    with open(path, "rb") as fh:
        head = fh.read(HEADER.size)
    if len(head) != HEADER.size:
        raise SealError(f"{path}: truncated header")
    file_id: bytes = HEADER.unpack(head)[2]
    return file_id.hex()
