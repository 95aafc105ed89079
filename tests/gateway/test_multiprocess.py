"""Two gateway processes (real subprocesses) sharing one PostgreSQL database and one Redis limit."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from bastion.gateway.demo_upstream import DemoUpstream
from bastion.gateway.server import BackgroundServer, free_port
from tests.audit.test_gateway_audit import records
from tests.helpers import gateway_settings, seed_accounts, wait_healthy


def test_two_gateways_share_one_redis_limit_and_one_log(pg_url: str, redis_url: str, tmp_path: Path) -> None:
    prefix = f"test:{uuid.uuid4().hex}"
    with BackgroundServer(DemoUpstream()) as upstream:
        settings = gateway_settings(pg_url, upstream)
        keys, _ = asyncio.run(seed_accounts(settings))
        procs, urls = [], []
        for i in range(2):
            port = free_port()
            cfg = tmp_path / f"gw{i}.toml"
            cfg.write_text(
                f'[server]\nport = {port}\nreplica_id = "gw-{i}"\n[store]\nurl = "{pg_url}"\n'
                f'[audit]\nsigning_key_file = "{tmp_path / "signing.key"}"\n'
                f'[counters]\nbackend = "redis"\nredis_url = "{redis_url}"\nprefix = "{prefix}"\n'
                f'[limits]\nkey_rpm = 10\norg_rpm = 1000\nkey_tpm = 0\norg_tpm = 0\n'
                f'[models.demo-model]\nupstreams = [{{ base_url = "{upstream}/v1" }}]\n')
            env = {**os.environ, "BASTION_CONFIG": str(cfg), "BASTION_SERVER_SECRET": settings.server.server_secret}
            if i == 1:
                time.sleep(1.0)  # let the first process create the signing key
            procs.append(subprocess.Popen([sys.executable, "-m", "bastion.cli", "serve"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            urls.append(f"http://127.0.0.1:{port}")
        try:
            for url in urls:
                wait_healthy(url)
            headers = {"Authorization": f"Bearer {keys['active']}"}
            body = {"model": "demo-model", "messages": [{"role": "user", "content": "hi"}]}
            codes = [httpx.post(urls[i % 2] + "/v1/chat/completions", json=body, headers=headers, timeout=10)
                     .status_code for i in range(24)]
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=20)
    assert codes.count(200) == 10 and codes.count(429) == 14
    replicas = {r["replica"] for r in records(pg_url) if r.get("kind") == "decision"}
    assert replicas == {"gw-0", "gw-1"}
    # one outcome per request: a refusal's decision record, or an allowed request's close (after its intent)
    decisions = [r for r in records(pg_url) if r.get("kind") == "decision" and r["phase"] != "intent"]
    assert len(decisions) == 24
