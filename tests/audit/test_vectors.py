"""Every transparency-dev Merkle test vector: good proofs verify, broken ones are rejected."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from bastion.audit.merkle import (
    ProofError,
    verify_consistency,
    verify_inclusion,
    verify_subtree_consistency,
    verify_subtree_inclusion,
)


def b64(s: str | None) -> bytes:
    return base64.b64decode(s) if s else b""


def check(kind: str, case: dict) -> None:  # type: ignore[type-arg]
    proof = [b64(p) for p in case.get("proof") or []]
    if kind == "inclusion":
        verify_inclusion(case["leafIdx"], case["treeSize"], b64(case["leafHash"]), proof, b64(case["root"]))
    elif kind == "consistency":
        verify_consistency(case["size1"], case["size2"], proof, b64(case["root1"]), b64(case["root2"]))
    elif kind == "subtreeinclusion":
        verify_subtree_inclusion(case["leafIdx"], case["start"], case["end"], b64(case["leafHash"]), proof,
                                 b64(case["root"]))
    else:
        verify_subtree_consistency(case["start"], case["end"], case["size"], proof, b64(case["root1"]),
                                   b64(case["root2"]))


def vector_files(shared: Path) -> list[Path]:
    return sorted((shared / "merkle-testvectors" / "testdata").rglob("*.json"))


def test_all_518_vectors(shared_data: Path) -> None:
    files = vector_files(shared_data)
    assert len(files) == 518
    wrong: list[str] = []
    for f in files:
        kind = f.relative_to(shared_data / "merkle-testvectors" / "testdata").parts[0]
        case = json.loads(f.read_text())
        try:
            check(kind, case)
            ok = True
        except (ProofError, ValueError, KeyError, TypeError, IndexError):
            ok = False
        if ok == bool(case["wantErr"]):
            wrong.append(f"{f.relative_to(shared_data)} wantErr={case['wantErr']}")
    assert wrong == []


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 64, 100])
def test_generated_proofs_verify(n: int) -> None:
    from bastion.audit.merkle import TreeHashes, leaf_hash, tree_root

    tree = TreeHashes()
    leaves = [leaf_hash(str(i).encode()) for i in range(n)]
    for lh in leaves:
        tree.append(lh)
    for size in range(1, n + 1):
        assert tree.root(size) == tree_root(leaves[:size])
        for i in range(size):
            verify_inclusion(i, size, leaves[i], tree.inclusion_proof(i, size), tree.root(size))
        for s1 in range(1, size + 1):
            verify_consistency(s1, size, tree.consistency_proof(s1, size), tree.root(s1), tree.root(size))
