"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification (pure functions).

Leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || left || right), trees of any size.
Proofs are planned as ranges of leaves (``inclusion_ranges``, ``consistency_ranges``), each range a
few complete subtrees (``range_nodes``) whose stored hashes are folded: O(log n) lookups, no
rehashing. ``Frontier`` is all that appending needs in memory; ``TreeHashes`` keeps everything
(the reference construction). The verifiers follow RFC 9162
section 2.1.3.2 / 2.1.4.2, and the subtree proofs follow the Merkle Tree Certificates draft
(section 4.3 / 4.4), checked against transparency-dev's published test vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not verify, or a request for a proof that cannot exist."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


Coord = tuple[int, int]
"""(level, index): the complete subtree over leaves [index * 2**level, (index + 1) * 2**level)."""

Range = tuple[int, int]
"""[lo, hi): a run of leaves whose Merkle tree hash (MTH) a proof carries."""


def range_nodes(lo: int, hi: int) -> list[Coord]:
    """The complete subtrees whose hashes, right-folded, give MTH(leaves[lo:hi]).

    RFC 6962 splits n leaves at the largest power of two k < n; in every range a proof or root asks
    for, the left part [lo, lo + k) is itself complete and aligned, so only the right part recurses.
    """
    out: list[Coord] = []
    while True:
        n = hi - lo
        if n <= 0:
            raise ValueError("empty range")
        if n & (n - 1) == 0 and lo % n == 0:
            out.append((n.bit_length() - 1, lo // n))
            return out
        k = _split(n)
        if lo % k:
            raise ValueError(f"[{lo}, {hi}) is not a range of an RFC 6962 tree")
        out.append((k.bit_length() - 1, lo // k))
        lo += k


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its ``range_nodes`` hashes (left to right): node(h1, node(h2, ...))."""
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose MTHs make the inclusion proof of ``index`` in the tree of ``size`` (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ProofError(f"no inclusion proof for index {index} in a tree of size {size}")
    out: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    out.reverse()  # the proof runs from the leaf up
    return out


def consistency_ranges(size1: int, size2: int) -> list[Range]:
    """The ranges whose MTHs make the consistency proof from ``size1`` to ``size2`` (RFC 9162 2.1.4.1)."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to {size2}")
    out: list[Range] = []
    m, lo, hi, complete = size1, 0, size2, True
    while m != hi:  # m is absolute: the old tree ends where this range ends
        k = _split(hi - lo)
        if m - lo <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
            complete = False
    if not complete:
        out.append((lo, hi))
    out.reverse()
    return out


def frontier_coords(size: int) -> list[Coord]:
    """The right edge of a tree of ``size`` leaves: one complete subtree per set bit, largest first."""
    return [(b, (size >> b) - 1) for b in range(size.bit_length() - 1, -1, -1) if size >> b & 1]


class Frontier:
    """What appending needs: the hashes of the right edge (``frontier_coords``), O(log n) of them.

    Every other hash lives in the store; proofs are planned here (``inclusion_ranges``...) and
    their hashes read from there.
    """

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a frontier of size {size} has {size.bit_count()} hashes, not {len(hashes)}")
        self.size = size
        self.hashes = list(hashes)

    def copy(self) -> Frontier:
        return Frontier(self.size, self.hashes)

    def append(self, lh: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return the (level, index, hash) of every subtree it completes."""
        created: list[tuple[int, int, bytes]] = []
        index, level, h = self.size, 0, lh
        while index & 1:
            h = node_hash(self.hashes.pop(), h)
            level += 1
            index >>= 1
            created.append((level, index, h))
        self.hashes.append(h)
        self.size += 1
        return created

    def root(self) -> bytes:
        return fold(self.hashes) if self.hashes else EMPTY_ROOT


class TreeHashes:
    """Every complete subtree's hash in memory, one packed bytearray per level: the reference
    construction (tests, small trees). The log itself keeps only a ``Frontier``."""

    def __init__(self) -> None:
        self.levels: list[bytearray] = [bytearray()]

    @property
    def size(self) -> int:
        return len(self.levels[0]) // HASH_SIZE

    def node(self, level: int, index: int) -> bytes:
        off = index * HASH_SIZE
        return bytes(self.levels[level][off : off + HASH_SIZE])

    def append(self, lh: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return the (level, index, hash) of every subtree it completes."""
        created: list[tuple[int, int, bytes]] = []
        self.levels[0] += lh
        index = self.size - 1
        level, h = 0, lh
        while index & 1:
            left = self.node(level, index - 1)
            h = node_hash(left, h)
            level += 1
            index >>= 1
            if len(self.levels) <= level:
                self.levels.append(bytearray())
            self.levels[level] += h
            created.append((level, index, h))
        return created

    def range_hash(self, lo: int, hi: int) -> bytes:
        return fold([self.node(lv, i) for lv, i in range_nodes(lo, hi)])

    def root(self, size: int | None = None) -> bytes:
        n = self.size if size is None else size
        if n > self.size:
            raise ProofError(f"tree size {n} is beyond the log's size {self.size}")
        return EMPTY_ROOT if n == 0 else self.range_hash(0, n)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        if size > self.size:
            raise ProofError(f"no inclusion proof for index {index} in a tree of size {size}")
        return [self.range_hash(lo, hi) for lo, hi in inclusion_ranges(index, size)]

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        if size2 > self.size:
            raise ProofError(f"no consistency proof from size {size1} to {size2}")
        return [self.range_hash(lo, hi) for lo, hi in consistency_ranges(size1, size2)]


def tree_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Root of a whole list of leaf hashes, using a stack (compact range): O(n) time, O(log n) space."""
    stack: list[tuple[int, bytes]] = []  # (subtree size, hash), sizes strictly decreasing
    for lh in leaf_hashes:
        size, h = 1, lh
        while stack and stack[-1][0] == size:
            s, left = stack.pop()
            h = node_hash(left, h)
            size += s
        stack.append((size, h))
    if not stack:
        return EMPTY_ROOT
    h = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        h = node_hash(left, h)
    return h


def _check_hashes(*hashes: bytes) -> None:
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise ProofError(f"hash of {len(h)} bytes, expected {HASH_SIZE}")


def root_from_inclusion(index: int, size: int, lh: bytes, proof: Sequence[bytes]) -> bytes:
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not within a tree of size {size}")
    _check_hashes(lh, *proof)
    fn, sn, r = index, size - 1, lh
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, lh: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise ProofError unless ``proof`` shows leaf ``lh`` at ``index`` in the tree ``root`` of ``size``."""
    if root_from_inclusion(index, size, lh, proof) != root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Raise ProofError unless ``proof`` shows the tree (size1, root1) is a prefix of (size2, root2)."""
    if size1 <= 0 or size2 < size1:
        raise ProofError(f"no consistency proof between sizes {size1} and {size2} (none from the empty tree)")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if root1 != root2:
            raise ProofError("equal sizes with different roots")
        return
    _check_hashes(root1, root2, *proof)
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != root1 or sr != root2:
        raise ProofError("consistency proof does not lead to both roots")


def valid_subtree(start: int, end: int) -> bool:
    """[start, end) is a subtree when start is a multiple of the smallest power of two >= end - start."""
    n = end - start
    if start < 0 or n <= 0:
        return False
    width = 1 << (n - 1).bit_length()
    return start % width == 0


def verify_subtree_inclusion(index: int, start: int, end: int, lh: bytes, proof: Sequence[bytes],
                             subtree_root: bytes) -> None:
    if not valid_subtree(start, end) or not start <= index < end:
        raise ProofError(f"[{start}, {end}) is not a subtree containing {index}")
    verify_inclusion(index - start, end - start, lh, proof, subtree_root)


def verify_subtree_consistency(start: int, end: int, size: int, proof: Sequence[bytes], subtree_root: bytes,
                               root: bytes) -> None:
    """Raise unless ``proof`` shows subtree [start, end) with hash ``subtree_root`` in the tree ``root``.

    The empty subtree is trivially part of every tree: its hash must be the empty root and its proof empty.
    """
    if start == end and 0 <= start <= size:
        if proof or subtree_root != EMPTY_ROOT:
            raise ProofError("the empty subtree needs the empty hash and an empty proof")
        return
    if start == 0 and end == size and not proof:
        if subtree_root != root:  # the subtree is the whole tree
            raise ProofError("the whole-tree subtree must have the tree's root")
        return
    _check_hashes(subtree_root, root, *proof)
    if not valid_subtree(start, end) or end > size:
        raise ProofError(f"[{start}, {end}) is not a subtree of a tree of size {size}")
    fn, sn, tn = start, end - 1, size - 1
    if sn == tn:
        while fn != sn:
            fn, sn, tn = fn >> 1, sn >> 1, tn >> 1
    else:
        while fn != sn and sn & 1:
            fn, sn, tn = fn >> 1, sn >> 1, tn >> 1
    if fn == sn:
        fr = sr = subtree_root
        rest = list(proof)
    else:
        if not proof:
            raise ProofError("empty subtree consistency proof")
        fr = sr = proof[0]
        rest = list(proof[1:])
    for c in rest:
        if tn == 0:
            raise ProofError("subtree consistency proof is too long")
        if sn & 1 or sn == tn:
            if fn < sn:
                fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not sn & 1:
                fn, sn, tn = fn >> 1, sn >> 1, tn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn, tn = fn >> 1, sn >> 1, tn >> 1
    if tn != 0 or fr != subtree_root or sr != root:
        raise ProofError("subtree consistency proof does not lead to both hashes")

