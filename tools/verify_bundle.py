#!/usr/bin/env python3
"""Verify a Bastion audit-log export bundle, with nothing but Python and `cryptography`.

    python3 verify_bundle.py BUNDLE_DIR --key 'origin+1a2b3c4d+AbCd...'

Checks, in order: every checkpoint note is signed by the given Ed25519 key (C2SP signed-note) and names
the key's origin; consecutive checkpoints are consistent (RFC 9162 consistency proofs); every entry is
canonical JSON on one line, follows its predecessor (its "prev" field is the previous leaf's hash), and
is included in the tree of the last checkpoint (RFC 9162 inclusion proof). Exit 0 and "OK: ..." when
everything holds; exit 1 and "FAILED at index N: why" at the first problem.

This file deliberately imports nothing from Bastion, so an auditor need not trust or install it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SEPARATOR = "-----\n"


class Bad(Exception):
    def __init__(self, index: int, why: str) -> None:
        super().__init__(why)
        self.index = index
        self.why = why


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def parse_key(text: str) -> tuple[str, bytes, bytes]:
    name, hexid, blob = text.strip().split("+", 2)
    raw = base64.b64decode(blob, validate=True)
    if len(raw) != 33 or raw[0] != 1:
        raise ValueError("not an Ed25519 verifier key")
    kid = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if kid.hex() != hexid.lower():
        raise ValueError("verifier key hash does not match")
    return name, kid, raw[1:]


def open_checkpoint(note: str, name: str, kid: bytes, pub: bytes) -> tuple[int, bytes]:
    text, sep, sigs = note.partition("\n\n")
    if not sep:
        raise ValueError("checkpoint note has no signatures")
    text += "\n"
    good = False
    for line in sigs.splitlines():
        if not line.startswith("\u2014 "):
            raise ValueError("malformed signature line")
        signer, _, blob = line[2:].rpartition(" ")
        raw = base64.b64decode(blob, validate=True)
        if signer == name and raw[:4] == kid:
            try:
                Ed25519PublicKey.from_public_bytes(pub).verify(raw[4:], text.encode())
            except InvalidSignature as exc:
                raise ValueError("bad checkpoint signature") from exc
            good = True
    if not good:
        raise ValueError("checkpoint not signed by the given key")
    lines = text.split("\n")
    if lines[0] != name:
        raise ValueError(f"checkpoint origin {lines[0]!r} is not the key's {name!r}")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32 or not lines[1].isdigit():
        raise ValueError("malformed checkpoint body")
    return int(lines[1]), root


def root_from_inclusion(index: int, size: int, h: bytes, proof: list[bytes]) -> bytes:
    if not 0 <= index < size:
        raise ValueError("index outside the tree")
    fn, sn = index, size - 1
    for p in proof:
        if sn == 0:
            raise ValueError("inclusion proof too long")
        if fn & 1 or fn == sn:
            h = node_hash(p, h)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            h = node_hash(h, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("inclusion proof too short")
    return h


def check_consistency(size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes) -> None:
    if size1 == size2:
        if proof or root1 != root2:
            raise ValueError("equal sizes, different roots")
        return
    if not 0 < size1 < size2 or not proof:
        raise ValueError("bad consistency proof sizes")
    path = ([root1] if size1 & (size1 - 1) == 0 else []) + proof
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ValueError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != root1 or sr != root2:
        raise ValueError("consistency proof does not lead to both roots")


def verify(bundle: Path, key: str) -> str:
    name, kid, pub = parse_key(key)
    proofs = json.loads((bundle / "proofs.json").read_text())
    first, size = int(proofs["first_index"]), int(proofs["checkpoint_size"])
    notes = [n for n in (bundle / "checkpoints.txt").read_text().split(SEPARATOR) if n.strip()]
    cps: dict[int, bytes] = {}
    for note in notes:
        try:
            s, root = open_checkpoint(note, name, kid, pub)
        except ValueError as exc:
            raise Bad(0, f"checkpoint: {exc}") from exc
        cps[s] = root
    if size not in cps:
        raise Bad(0, f"no signed checkpoint for the proven size {size}")
    b64 = lambda items: [base64.b64decode(x, validate=True) for x in items]  # noqa: E731
    for c in proofs["consistency"]:
        s1, s2 = int(c["size1"]), int(c["size2"])
        if s1 not in cps or s2 not in cps:
            raise Bad(s1, f"consistency proof {s1}->{s2} names an unsigned size")
        try:
            check_consistency(s1, s2, b64(c["proof"]), cps[s1], cps[s2])
        except ValueError as exc:
            raise Bad(s1, f"checkpoints {s1} -> {s2}: {exc}") from exc
    raw = (bundle / "entries.jsonl").read_bytes()
    if raw and not raw.endswith(b"\n"):
        raise Bad(first + raw.count(b"\n"), "entries.jsonl is truncated (no final newline)")
    lines = raw.split(b"\n")[:-1]
    prev: str | None = None
    for offset, leaf in enumerate(lines):
        index = first + offset
        try:
            record = json.loads(leaf)
        except ValueError as exc:
            raise Bad(index, "entry is not valid JSON") from exc
        if prev is not None and record.get("prev") != prev:
            raise Bad(index - 1, "entry does not follow its predecessor (changed, removed or reordered)")
        h = leaf_hash(leaf)
        proof = proofs["inclusion"].get(str(index))
        if proof is None:
            raise Bad(index, "no inclusion proof for this entry")
        try:
            if root_from_inclusion(index, size, h, b64(proof)) != cps[size]:
                raise ValueError("inclusion proof does not lead to the signed root")
        except ValueError as exc:
            raise Bad(index, str(exc)) from exc
        prev = h.hex()
    expected = len(proofs["inclusion"])
    if len(lines) != expected:
        raise Bad(first + len(lines), f"bundle has {len(lines)} entries but proofs for {expected}")
    return f"OK: entries {first}..{first + len(lines) - 1} included in the signed tree of size {size}; " \
           f"{len(cps)} checkpoints verified"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle", type=Path)
    ap.add_argument("--key", required=True, help="the log's C2SP verifier key (name+hash+base64)")
    args = ap.parse_args(argv)
    try:
        print(verify(args.bundle, args.key))
        return 0
    except Bad as bad:
        print(f"FAILED at index {bad.index}: {bad.why}")
    except (OSError, ValueError, KeyError) as exc:
        print(f"FAILED at index 0: unreadable bundle ({exc})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
