"""Core tables: organisations, users and API keys. Capabilities add their own tables to ``metadata``
in their own modules (``bastion.<capability>.tables``); Alembic migrations create them all."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

orgs = Table(
    "orgs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(300), nullable=False, unique=True),
    Column("status", String(16), nullable=False, default="pending"),  # pending|active|suspended|closed
    Column("tier", Integer, nullable=False, default=0),  # verification tier T0..T3
    Column("country", String(2)),  # ISO 3166-1 alpha-2 of incorporation
    Column("programmes", JSON, nullable=False, default=list),
    Column("screening_state", String(16), nullable=False, default="unscreened"),
    Column("keep_content", Boolean, nullable=False, default=False),
    Column("declared_use", Text),
    Column("rpm_limit", Integer),
    Column("tpm_limit", Integer),
    Column("version", Integer, nullable=False, default=1),  # bumped on every change (cache keys)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("org_id", String(40), ForeignKey("orgs.id"), nullable=False, index=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(300)),
    Column("role", String(32), nullable=False, default="member"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("org_id", String(40), ForeignKey("orgs.id"), nullable=False, index=True),
    Column("user_id", String(40), ForeignKey("users.id")),
    Column("name", String(200)),
    # The first characters of the key, public, used to find the row; the rest is only in the HMAC.
    Column("prefix", String(24), nullable=False, unique=True),
    Column("hmac", String(64), nullable=False),  # hex HMAC-SHA256(server_secret, key)
    Column("status", String(16), nullable=False, default="active"),  # active|revoked
    Column("rpm_limit", Integer),
    Column("tpm_limit", Integer),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

Index("ix_api_keys_status", api_keys.c.status)

__all__ = ["BigInteger", "api_keys", "metadata", "orgs", "users"]
