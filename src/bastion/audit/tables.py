"""Audit log tables: entries (exact leaf bytes + leaf hash), stored subtree hashes, checkpoints."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, PrimaryKeyConstraint, Table, Text

from bastion.store.schema import metadata

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("leaf", LargeBinary, nullable=False),  # the exact canonical JSON bytes that were hashed
    Column("leaf_hash", LargeBinary, nullable=False),
)

# Hashes of complete subtrees above the leaves: (level, index) covers leaves [index*2^level, (index+1)*2^level).
audit_nodes = Table(
    "audit_nodes",
    metadata,
    Column("level", Integer, nullable=False),
    Column("idx", BigInteger, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    PrimaryKeyConstraint("level", "idx"),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),  # the signed checkpoint note, verbatim
)

# Facts about the log itself. ``signing_key``: the verifier key (C2SP name+hash+key) the log is bound
# to, written once by the first writer of an empty log; a writer with another key refuses to start.
audit_meta = Table(
    "audit_meta",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)
