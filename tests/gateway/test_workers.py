"""``bastion serve --workers 2``: two worker processes behind one port append to one audit log
(SQLite through BEGIN IMMEDIATE and catch-up; PostgreSQL through the sequencer lock); every reply is
in it and it verifies."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bastion.gateway.demo_upstream import DemoUpstream
from bastion.gateway.server import BackgroundServer, free_port
from tests.audit.test_gateway_audit import records
from tests.helpers import gateway_settings, seed_accounts

REQUESTS = 240


def _write_config(tmp_path: Path, db_url: str, upstream: str, port: int, counters: str) -> Path:
    cfg = tmp_path / "bastion.toml"
    cfg.write_text(
        f'[server]\nport = {port}\nreplica_id = "gw"\n[store]\nurl = "{db_url}"\n'
        f'[audit]\nsigning_key_file = "{tmp_path / "audit" / "signing.key"}"\n{counters}'
        f'[limits]\nkey_rpm = 0\norg_rpm = 0\nkey_tpm = 0\norg_tpm = 0\n'
        f'[models.demo-model]\nupstreams = [{{ base_url = "{upstream}/v1" }}]\n')
    return cfg


def _wait_serving(url: str, proc: subprocess.Popen[bytes], log: Path, workers: int) -> None:
    """Until every worker finished its start-up (uvicorn logs it once per worker) and the port
    answers; fails at once if the supervisor exited."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "bastion serve --workers exited: " + log.read_text()[-2000:]
        if log.read_text().count("Application startup complete.") >= workers:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    raise TimeoutError(f"{url}: {workers} workers did not start")


@dataclass
class Workers:
    url: str
    keys: dict[str, str]
    cfg: Path
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes]

    def verify(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bastion.cli", "--config", str(self.cfg), "audit", "verify"],
                              env=self.env, capture_output=True, text=True, timeout=120)


@contextmanager
def two_workers(db_url: str, redis_url: str, tmp_path: Path) -> Iterator[Workers]:
    """``bastion serve --workers 2`` on a free port, shared Redis counters, seeded accounts, a demo upstream."""
    port = free_port()
    counters = f'[counters]\nbackend = "redis"\nredis_url = "{redis_url}"\nprefix = "test:{uuid.uuid4().hex}"\n'
    with BackgroundServer(DemoUpstream()) as upstream:
        settings = gateway_settings(db_url, upstream)
        keys, _ = asyncio.run(seed_accounts(settings))
        cfg = _write_config(tmp_path, db_url, upstream, port, counters)
        env = {**os.environ, "BASTION_SERVER_SECRET": settings.server.server_secret}
        log_path = tmp_path / "serve.log"
        with log_path.open("w") as log:
            proc = subprocess.Popen([sys.executable, "-m", "bastion.cli", "--config", str(cfg), "serve",
                                     "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
            workers = Workers(f"http://127.0.0.1:{port}", keys, cfg, env, log_path, proc)
            try:
                _wait_serving(workers.url, proc, log_path, 2)
                yield workers
            finally:
                proc.terminate()
                proc.wait(timeout=60)


def test_two_workers_share_one_port_and_one_log(db_url: str, redis_url: str, tmp_path: Path) -> None:
    with two_workers(db_url, redis_url, tmp_path) as w:
        headers = {"Authorization": f"Bearer {w.keys['active']}", "Connection": "close"}

        def one(i: int) -> httpx.Response:
            body = {"model": "demo-model", "messages": [{"role": "user", "content": f"hello {i}"}]}
            return httpx.post(w.url + "/v1/chat/completions", json=body, headers=headers, timeout=30)

        with ThreadPoolExecutor(16) as pool:
            replies = list(pool.map(one, range(REQUESTS)))
        junk = httpx.post(w.url + "/v1/chat/completions", json={}, timeout=10)  # refused, sampled in full
    assert [r.status_code for r in replies] == [200] * REQUESTS
    assert junk.status_code == 400
    served = {r.headers["x-request-id"] for r in replies}
    decisions = {r["request_id"]: r for r in records(db_url) if r.get("kind") == "decision"}
    assert served <= decisions.keys()  # every acknowledged reply is in the one log
    replicas = {decisions[rid]["replica"] for rid in served}
    assert len(replicas) == 2 and all(r.startswith("gw.") for r in replicas)  # both workers served
    verified = w.verify()
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_killed_worker_is_replaced_and_loses_no_acknowledged_reply(sqlite_url: str, redis_url: str,
                                                                      tmp_path: Path) -> None:
    done = 0
    with two_workers(sqlite_url, redis_url, tmp_path) as w:
        victim = int(re.findall(r"Started server process \[(\d+)\]", w.log.read_text())[0])
        headers = {"Authorization": f"Bearer {w.keys['active']}", "Connection": "close"}

        def one(i: int) -> httpx.Response | None:
            nonlocal done
            body = {"model": "demo-model", "messages": [{"role": "user", "content": f"hello {i}"}]}
            try:
                return httpx.post(w.url + "/v1/chat/completions", json=body, headers=headers, timeout=30)
            except httpx.HTTPError:  # in flight on the killed worker
                return None
            finally:
                done += 1

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(one, i) for i in range(160)]
            while done < 40:
                time.sleep(0.01)
            os.kill(victim, signal.SIGKILL)
            replies = [f.result() for f in futures]
        _wait_serving(w.url, w.proc, w.log, 3)  # the supervisor started a replacement
        after = httpx.post(w.url + "/v1/chat/completions", headers=headers, timeout=30,
                           json={"model": "demo-model", "messages": [{"role": "user", "content": "after"}]})
    ok = [r for r in replies if r is not None and r.status_code == 200]
    assert len(ok) >= 100 and after.status_code == 200
    logged = {r["request_id"] for r in records(sqlite_url) if r.get("kind") == "decision"}
    assert {r.headers["x-request-id"] for r in [*ok, after]} <= logged
    verified = w.verify()
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_workers_refuse_in_memory_counters(sqlite_url: str, tmp_path: Path) -> None:
    cfg = _write_config(tmp_path, sqlite_url, "http://127.0.0.1:9", free_port(), "")
    env = {**os.environ, "BASTION_SERVER_SECRET": secrets.token_hex(32)}
    done = subprocess.run([sys.executable, "-m", "bastion.cli", "--config", str(cfg), "serve", "--workers", "2"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and 'backend = "redis"' in done.stderr
