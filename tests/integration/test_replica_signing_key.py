"""Real `bastion serve` replicas on one PostgreSQL log: one without the log's signing key refuses to
start (never signs with a key of its own); with a copy of the key both serve and the log verifies."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from bastion.gateway.demo_upstream import DemoUpstream
from bastion.gateway.server import BackgroundServer, free_port
from tests.helpers import gateway_settings, seed_accounts, wait_healthy

CLI = [sys.executable, "-m", "bastion.cli"]


def config(path: Path, pg_url: str, upstream: str, port: int, key_file: Path) -> dict[str, str]:
    path.write_text(f'[server]\nport = {port}\nreplica_id = "{path.stem}"\n[store]\nurl = "{pg_url}"\n'
                    f'[audit]\nsigning_key_file = "{key_file}"\n'
                    f'[limits]\nkey_rpm = 0\norg_rpm = 0\nkey_tpm = 0\norg_tpm = 0\n'
                    f'[models.demo-model]\nupstreams = [{{ base_url = "{upstream}/v1" }}]\n')
    return {**os.environ, "BASTION_CONFIG": str(path)}


def test_replica_key_refused_or_shared(pg_url: str, tmp_path: Path) -> None:
    with BackgroundServer(DemoUpstream()) as upstream:
        settings = gateway_settings(pg_url, upstream)
        keys, _ = asyncio.run(seed_accounts(settings))
        secret = {"BASTION_SERVER_SECRET": settings.server.server_secret}
        a_key, b_key = tmp_path / "a" / "signing.key", tmp_path / "b" / "signing.key"
        a_port = free_port()
        a_env = {**config(tmp_path / "gw-a.toml", pg_url, upstream, a_port, a_key), **secret}
        a = subprocess.Popen([*CLI, "serve"], env=a_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs = [a]
        try:
            a_url = f"http://127.0.0.1:{a_port}"
            wait_healthy(a_url)
            body = {"model": "demo-model", "messages": [{"role": "user", "content": "hi"}]}
            auth = {"Authorization": f"Bearer {keys['active']}"}
            assert httpx.post(a_url + "/v1/chat/completions", json=body, headers=auth, timeout=10).status_code == 200

            # Replica b has no key file (generate_key is on by default): it must refuse, not make one.
            b_port = free_port()
            b_env = {**config(tmp_path / "gw-b.toml", pg_url, upstream, b_port, b_key), **secret}
            refused = subprocess.run([*CLI, "serve"], env=b_env, capture_output=True, text=True, timeout=60)
            assert refused.returncode != 0
            assert "no signing key" in refused.stderr and "refusing to start" in refused.stderr, refused.stderr[-2000:]
            assert not b_key.exists()

            # Given a copy of the log's key, b starts, serves, and one log verifies from either config.
            b_key.parent.mkdir(parents=True)
            shutil.copy2(a_key, b_key)
            b = subprocess.Popen([*CLI, "serve"], env=b_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(b)
            b_url = f"http://127.0.0.1:{b_port}"
            wait_healthy(b_url)
            for i in range(10):
                url = (a_url, b_url)[i % 2]
                assert httpx.post(url + "/v1/chat/completions", json=body, headers=auth, timeout=10).status_code == 200
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=20)
    for env in (a_env, b_env):
        verified = subprocess.run([*CLI, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60)
        assert verified.returncode == 0 and verified.stdout.startswith("OK: "), verified.stdout + verified.stderr
