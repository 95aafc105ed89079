"""Replicas migrating at once: three real `bastion db upgrade` processes started together on a fresh
database all exit 0 and leave the schema at head, with one alembic_version row."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bastion.store.db import create_engine
from bastion.store.migrate import alembic_config

CLI = [sys.executable, "-m", "bastion.cli"]


async def versions(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [row[0] for row in await conn.execute(text("SELECT version_num FROM alembic_version"))]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_three_concurrent_upgrades(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    env = {**os.environ, "BASTION_STORE__URL": url}
    env.pop("BASTION_CONFIG", None)
    procs = [subprocess.Popen([*CLI, "db", "upgrade"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    # communicate() drains both pipes while waiting; generous: the CI machine is shared and busy.
    results = [(*p.communicate(timeout=300), p.returncode) for p in procs]
    for out, err, rc in results:
        assert rc == 0, err[-3000:]
        assert "latest revision" in out
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert asyncio.run(versions(url)) == [head]
