"""Whole-log verification: every leaf, every node, every checkpoint signature, and consistency.

Works on any ordered stream of (index, leaf bytes, stored leaf hash or None), so the same code checks
the database and an exported bundle. It reports the first bad index and why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field

import orjson

from bastion.audit.checkpoint import Checkpoint
from bastion.audit.merkle import EMPTY_ROOT, Frontier, leaf_hash
from bastion.audit.note import NoteError, NoteVerifier


@dataclass
class VerifyResult:
    ok: bool
    size: int = 0
    checkpoints: int = 0
    first_bad: int | None = None
    reason: str = ""
    latest: Checkpoint | None = None
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.ok:
            return (f"OK: {self.size} entries, {self.checkpoints} checkpoints verified"
                    + (f"; latest signs size {self.latest.size}" if self.latest else ""))
        return f"FAILED at index {self.first_bad}: {self.reason}"


def open_checkpoints(notes: Iterable[str], verifiers: Sequence[NoteVerifier], origin: str) -> list[Checkpoint]:
    """Verify each note's signature (by any trusted key) and origin; sorted by size."""
    out: list[Checkpoint] = []
    for note in notes:
        last: Exception | None = None
        for v in verifiers:
            try:
                cp = Checkpoint.open(note, v, origin)
                break
            except NoteError as exc:
                last = exc
        else:
            size = note.split("\n")[1] if note.count("\n") > 1 else "?"
            raise NoteError(f"checkpoint for size {size}: {last}")
        out.append(cp)
    return sorted(out, key=lambda c: c.size)


class _Walker:
    """Feeds entries in order, checking the chain and each checkpoint root as its size is reached.

    The whole tree is recomputed from the leaves, so keeping its right edge is enough (memory
    O(log n)): each signed root is compared with the recomputed root of the same prefix, and two
    checkpoints that both match prefixes of one leaf sequence are consistent by construction.
    """

    def __init__(self, checkpoints: list[Checkpoint], first_index: int = 0, trusted_size: int = -1) -> None:
        self.tree = Frontier()
        self.cps = checkpoints
        self.trusted_size = trusted_size
        self.trusted_root: bytes | None = None
        self.next_cp = 0
        self.expected = first_index
        self.prev_hash: str | None = None
        self.verified_up_to = 0

    def feed(self, index: int, leaf: bytes, stored: bytes | None) -> str | None:
        if index != self.expected:
            return f"entry {self.expected} is missing (next stored entry is {index})"
        lh = leaf_hash(leaf)
        if stored is not None and bytes(stored) != lh:
            return "the entry's bytes do not match its stored leaf hash"
        if b"\n" in leaf:
            return "the entry contains a newline (not canonical)"
        try:
            record = orjson.loads(leaf)
        except orjson.JSONDecodeError:
            return "the entry is not valid JSON"
        prev = record.get("prev") if isinstance(record, dict) else None
        if self.prev_hash is not None and prev != self.prev_hash:
            return "the entry does not follow its predecessor (prev hash differs): changed, removed or reordered"
        self.prev_hash = lh.hex()
        self.tree.append(lh)
        self.expected += 1
        if self.tree.size == self.trusted_size:
            self.trusted_root = self.tree.root()
        return None

    def check_checkpoints(self) -> tuple[int, str] | None:
        size = self.tree.size
        while self.next_cp < len(self.cps) and self.cps[self.next_cp].size <= size:
            cp = self.cps[self.next_cp]
            if cp.size != size or self.tree.root() != cp.root:
                return self.verified_up_to, f"the tree of size {cp.size} does not match its signed checkpoint"
            self.verified_up_to = cp.size
            self.next_cp += 1
        return None


async def verify_stream(entries: AsyncIterator[tuple[int, bytes, bytes | None]], notes: Iterable[str],
                        verifiers: Sequence[NoteVerifier], origin: str,
                        trusted: Checkpoint | None = None) -> VerifyResult:
    try:
        cps = open_checkpoints(notes, verifiers, origin)
    except NoteError as exc:
        return VerifyResult(False, first_bad=0, reason=str(exc))
    if trusted is not None and (not cps or cps[-1].size < trusted.size):
        have = cps[-1].size if cps else 0
        return VerifyResult(False, first_bad=have, reason=f"rolled back: the log's latest checkpoint signs size "
                            f"{have}, smaller than the trusted checkpoint's {trusted.size}")
    walker = _Walker(cps, trusted_size=trusted.size if trusted is not None else -1)
    async for index, leaf, stored in entries:
        problem = walker.feed(index, leaf, stored)
        if problem:
            bad = index - 1 if "predecessor" in problem and index > 0 else min(index, walker.expected)
            return VerifyResult(False, walker.tree.size, walker.next_cp, bad, problem)
        if walker.next_cp < len(cps) and cps[walker.next_cp].size == walker.tree.size:
            failed = walker.check_checkpoints()
            if failed:
                return VerifyResult(False, walker.tree.size, walker.next_cp, failed[0], failed[1])
    if walker.next_cp < len(cps):
        cp = cps[walker.next_cp]
        return VerifyResult(False, walker.tree.size, walker.next_cp, walker.tree.size,
                            f"truncated: checkpoint signs size {cp.size} but the log has {walker.tree.size} entries")
    if trusted is not None and (trusted.root != (walker.trusted_root if trusted.size else EMPTY_ROOT)):
        return VerifyResult(False, walker.tree.size, walker.next_cp, 0,
                            f"the log is not consistent with the trusted checkpoint of size {trusted.size}")
    latest = cps[-1] if cps else None
    return VerifyResult(True, walker.tree.size, len(cps), latest=latest)
