"""Database access: one async SQLAlchemy engine for SQLite (default, WAL) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def _create_private_file(path: Path) -> None:
    """Make a new database file with mode 0600 before SQLite does (it would use 0644 under the usual
    umask); SQLite gives its -wal and -shm files the database file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def create_engine(url: str, echo: bool = False) -> AsyncEngine:
    """Create the engine; for SQLite make the parent folder and turn on WAL + NORMAL sync.

    WAL with ``synchronous=NORMAL`` is durable across process crashes (kill -9) for accounts, KYC and
    the rest. The audit log commits on its own connection with ``synchronous=FULL``
    (``audit/writer.py``), fsync per batch, so its records also survive an OS crash or power loss.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            _create_private_file(Path(db))
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine
