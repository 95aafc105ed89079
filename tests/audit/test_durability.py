"""The audit commit is fsync-durable: SQLite's log connection runs WAL with synchronous=FULL, and
PostgreSQL's batch transactions run with synchronous_commit=on even where the database says off."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg

from bastion.audit.service import open_audit_log
from bastion.audit.writer import PostgresWriter, SqliteWriter
from tests.audit.test_log import audit_settings
from tests.conftest import PG_ADMIN_DSN


async def test_sqlite_log_connection_syncs_every_commit(sqlite_url: str, tmp_path: Path) -> None:
    log = await open_audit_log(audit_settings(sqlite_url, tmp_path))
    await log.append({"n": 0})
    store = log._store  # the writer's own connection: pragmas are per connection
    assert isinstance(store, SqliteWriter)

    def pragmas() -> tuple[Any, Any]:
        conn = store._connection()
        return (conn.execute("PRAGMA journal_mode").fetchone()[0], conn.execute("PRAGMA synchronous").fetchone()[0])

    journal, synchronous = await asyncio.get_running_loop().run_in_executor(store._pool, pragmas)
    assert (journal, synchronous) == ("wal", 2)  # 2 = FULL: the WAL is fsynced at each commit
    await log.close()
    await log.engine.dispose()


async def test_postgres_log_commits_with_synchronous_commit_on(pg_url: str, tmp_path: Path) -> None:
    database = pg_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:  # an operator (or a tuning guide) turned it off for the whole database
        await admin.execute(f'ALTER DATABASE "{database}" SET synchronous_commit = off')
    finally:
        await admin.close()
    log = await open_audit_log(audit_settings(pg_url, tmp_path))
    store = log._store
    assert isinstance(store, PostgresWriter)
    seen: list[str] = []
    write = store._write

    async def inside_the_batch(conn: Any, *args: Any) -> None:  # runs in the batch's own transaction
        seen.append(await conn.fetchval("SHOW synchronous_commit"))
        await write(conn, *args)

    store._write = inside_the_batch  # type: ignore[method-assign]
    await asyncio.gather(*(log.append({"n": i}) for i in range(20)))
    async with log.engine.connect() as conn:  # outside the log's transactions the default holds
        outside = (await conn.exec_driver_sql("SHOW synchronous_commit")).scalar()
    await log.close()
    await log.engine.dispose()
    assert outside == "off"
    assert seen and set(seen) == {"on"}
