"""Console tables: people (separate from API keys and the admin token), sessions, failed logins."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
)

from bastion.store.schema import metadata

console_users = Table(
    "console_users",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # officer | auditor | admin
    Column("password_hash", String(200), nullable=False),  # argon2id, PHC string
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The cookie holds a random token; only its SHA-256 is stored, so a read of this table signs nobody in.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(40), ForeignKey("console_users.id"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)

console_login_failures = Table(
    "console_login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

Index("ix_console_login_failures_name_address", console_login_failures.c.name, console_login_failures.c.address)

# A derived index of the audit log's decision records (bastion.console.decision_index).
console_decisions = Table(
    "console_decisions",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),  # the audit leaf's index
    Column("ts", Float, nullable=False),  # the record's time, epoch seconds UTC (compares on every dialect)
    Column("org_id", String(40)),
    Column("request_id", String(64)),
    Column("model", String(200)),
    Column("decision", String(16), nullable=False),
    Column("stage", String(64)),
    Column("reason", String(200)),
    Column("status", Integer),
    Column("phase", String(16)),
    # One record per request counts in the charts: a refusal's ``decision``, an allowed request's
    # ``intent``; the ``close`` record repeats the outcome.
    Column("counted", Boolean, nullable=False),
)
Index("ix_console_decisions_org_idx", console_decisions.c.org_id, console_decisions.c.idx)
Index("ix_console_decisions_reason_idx", console_decisions.c.reason, console_decisions.c.idx)
Index("ix_console_decisions_ts", console_decisions.c.ts)

# The next audit index to read.
console_index_state = Table(
    "console_index_state",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("upto", BigInteger, nullable=False),
)

# Decisions counted per minute, outcome and reason ("" for none): the overview's chart reads at most
# one row per minute and combination instead of every decision in its window.
console_decision_minutes = Table(
    "console_decision_minutes",
    metadata,
    Column("minute", BigInteger, nullable=False),  # epoch seconds // 60, UTC
    Column("decision", String(16), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("minute", "decision", "reason"),
)
