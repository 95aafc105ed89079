"""kill -9 of a gateway under load loses no record whose response was released (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bastion.gateway.demo_upstream import DemoUpstream
from bastion.gateway.server import BackgroundServer, free_port
from tests.audit.test_gateway_audit import records
from tests.helpers import gateway_settings, seed_accounts, wait_healthy


def write_config(path: Path, db_url: str, upstream: str, port: int, key_file: str) -> None:
    path.write_text(
        f'[server]\nport = {port}\nreplica_id = "crash-gw"\n'
        f'[store]\nurl = "{db_url}"\n'
        f'[audit]\nsigning_key_file = "{key_file}"\n'
        f'[limits]\nkey_rpm = 0\norg_rpm = 0\nkey_tpm = 0\norg_tpm = 0\n'
        f'[models.demo-model]\nupstreams = [{{ base_url = "{upstream}/v1" }}]\n')


async def hammer(url: str, key: str, seconds: float, released: list[str]) -> None:
    body = {"model": "demo-model", "messages": [{"role": "user", "content": "under load"}]}

    async def worker(client: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                r = await client.post("/v1/chat/completions", json=body)
            except httpx.HTTPError:
                return  # the server died: this request was never released
            if r.status_code == 200:
                released.append(r.headers["x-request-id"])

    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=5) as client:
        await asyncio.gather(*(worker(client) for _ in range(32)))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_loses_no_released_record(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'gw.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    with BackgroundServer(DemoUpstream()) as upstream:
        settings = gateway_settings(db_url, upstream)
        keys, _ = asyncio.run(seed_accounts(settings))
        port = free_port()
        cfg = tmp_path / "bastion.toml"
        write_config(cfg, db_url, upstream, port, str(tmp_path / "signing.key"))
        env = {**os.environ, "BASTION_CONFIG": str(cfg), "BASTION_SERVER_SECRET": settings.server.server_secret}
        proc = subprocess.Popen([sys.executable, "-m", "bastion.cli", "serve"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url)
            released: list[str] = []

            async def load_then_kill() -> None:
                task = asyncio.create_task(hammer(url, keys["active"], 10.0, released))
                await asyncio.sleep(1.5)
                os.kill(proc.pid, signal.SIGKILL)  # no shutdown, no final checkpoint
                await task

            asyncio.run(load_then_kill())
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
    assert len(released) > 50, "the load did not get going"
    logged = {r.get("request_id") for r in records(db_url)}
    lost = [rid for rid in released if rid not in logged]
    assert lost == []
