"""The monitor's table: review cases opened by verdicts at or over ``[monitor] case_at``."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Float, Index, String, Table, Text

from bastion.store.schema import metadata

monitor_cases = Table(
    "monitor_cases",
    metadata,
    Column("id", String(40), primary_key=True),
    # No foreign key: replayed or streamed events may name orgs this database does not hold.
    Column("org_id", String(256), nullable=False),
    Column("status", String(16), nullable=False),  # open | confirmed | dismissed
    Column("action", String(16), nullable=False),  # the strongest action the verdict reached
    Column("risk", Float, nullable=False),
    Column("signals", JSON, nullable=False),  # the verdict's signals with their evidence (no text)
    Column("applied", JSON, nullable=False),  # what was done to the account: [{"action","at","result"}]
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    Column("analyst", String(200)),
    Column("outcome", String(16)),  # confirmed | dismissed
    Column("reason", Text),
    Index("ix_monitor_cases_org_status", "org_id", "status"),
)
