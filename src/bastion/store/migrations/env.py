"""Alembic environment: async engine for SQLite (aiosqlite) and PostgreSQL (asyncpg).

Replicas run ``bastion db upgrade`` (or migrate at start-up) at the same moment, so one run at a time
holds a lock: a transaction-scoped PostgreSQL advisory lock taken on the migrating connection (released
by its commit or rollback), and for SQLite an exclusive ``flock`` on a file next to the database. The
runs that waited then find the schema at head and do nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from bastion.store.db import create_engine
from bastion.store.tables import metadata

config = context.config

# A fixed 64-bit key for pg_advisory_xact_lock ("bastion-migrate" folded into an int8).
MIGRATION_LOCK_KEY = 0x62617374696F6E


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Taken inside the migration's own transaction: a waiting run reads alembic_version only
        # after the holder committed, and a crashed holder releases the lock with its session.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


@contextlib.contextmanager
def _sqlite_lock(url: str) -> Iterator[None]:
    """Exclusive flock on ``<database>.migrate-lock`` for a file database; nothing for others."""
    parsed = make_url(url)
    db = parsed.database
    if parsed.get_backend_name() != "sqlite" or not db or db == ":memory:":
        yield
        return
    path = Path(f"{db}.migrate-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # the kernel drops it when the process dies
        yield
    finally:
        os.close(fd)


async def _main() -> None:
    url = config.attributes["database_url"]
    with _sqlite_lock(url):
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                await conn.run_sync(_run)
                await conn.commit()
        finally:
            await engine.dispose()


asyncio.run(_main())
