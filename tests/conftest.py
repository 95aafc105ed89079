"""Shared fixtures: real SQLite files, a fresh PostgreSQL database per test, real Redis."""

from __future__ import annotations

import inspect
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

PG_ADMIN_DSN = os.environ.get("BASTION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BASTION_TEST_REDIS", "redis://127.0.0.1:6379/0")
SHARED_DATA = Path(os.environ.get("BASTION_SHARED_DATA",
                                  Path(__file__).resolve().parents[1] / ".." / "shared" / "data")).resolve()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bastion.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL database on the running server (dropped afterwards)."""
    import asyncio

    import asyncpg

    name = f"bt_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Run a store test against both back-ends."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bastion.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """Real Redis; each test gets its own key prefix via a fresh logical namespace flush-free."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    finally:
        await client.aclose()
    yield REDIS_URL


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.fail(f"shared data not found at {SHARED_DATA} (set BASTION_SHARED_DATA)")
    return SHARED_DATA


# -- test tiers -----------------------------------------------------------------------------------
# `make test-fast` runs `-m "not integration"`; `make test` runs both tiers. The fast tier is in-process
# work (SQLite files and loopback sockets allowed). A test is integration when it lives in
# tests/integration/, tests/bench/ or tests/console/, uses PostgreSQL or Redis, or its module or one of
# its fixtures' modules (or a tests module they import from) names a server, subprocess or browser.
_INTEGRATION_DIRS = frozenset({"integration", "bench", "console"})
_SERVER_NAMES = frozenset({"subprocess", "multiprocessing", "BackgroundServer", "running_gateway", "wait_healthy",
                           "chromium", "sync_playwright", "async_playwright", "asyncpg", "PG_ADMIN_DSN",
                           "REDIS_URL"})
_SERVICE_FIXTURES = frozenset({"pg_url", "redis_url"})


def _names_servers(module: object, depth: int = 1) -> bool:
    names = vars(module) if module is not None else {}
    if _SERVER_NAMES & set(names) - {"__builtins__"} and module is not sys.modules[__name__]:
        return True
    if depth == 0:
        return False
    homes = {getattr(v, "__module__", "") for v in names.values()} | {
        getattr(v, "__name__", "") for v in names.values() if inspect.ismodule(v)}
    return any(_names_servers(sys.modules.get(h), depth - 1) for h in homes
               if h.startswith("tests.") and h in sys.modules)


def _is_integration(item: pytest.Item) -> bool:
    parts = Path(str(item.path)).relative_to(Path(__file__).parent).parts
    if len(parts) > 1 and parts[0] in _INTEGRATION_DIRS:
        return True
    if _SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    callspec = getattr(item, "callspec", None)
    if callspec is not None and any(v in ("postgresql", "redis") for v in callspec.params.values()
                                    if isinstance(v, str)):
        return True
    modules = [getattr(item, "module", None)]
    info = getattr(item, "_fixtureinfo", None)
    for defs in (info.name2fixturedefs.values() if info is not None else ()):
        modules += [sys.modules.get(getattr(d.func, "__module__", "")) for d in defs]
    return any(m is not None and _names_servers(m) for m in modules)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _is_integration(item):
            item.add_marker(pytest.mark.integration)
