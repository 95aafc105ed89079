"""Fault matrix (issue 14, point 8) on real services: Redis hung, PostgreSQL restarted under load, a
full disk under SQLite, kill -9 of one of two replicas. Each test checks that the gateway fails
closed (a refusal, never an answer without its record), that nothing reached the upstream without an
intent record, that every acknowledged (200) request is in the log, and that the log verifies."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from bastion.gateway.demo_upstream import DemoUpstream
from bastion.gateway.server import BackgroundServer, free_port
from tests.audit.test_gateway_audit import records
from tests.conftest import REDIS_URL
from tests.helpers import gateway_settings, running_gateway, seed_accounts, wait_healthy
from tests.integration.test_replica_signing_key import config
from tests.integration.test_response_half import CuttableRelay

CLI = [sys.executable, "-m", "bastion.cli"]
BODY = {"model": "demo-model", "messages": [{"role": "user", "content": "fault matrix"}]}
NO_LIMITS = {"key_rpm": 0, "org_rpm": 0, "key_tpm": 0, "org_tpm": 0}


@dataclass
class Outcomes:
    ok: list[str] = field(default_factory=list)  # request ids of 200 replies
    refused: list[tuple[int, str]] = field(default_factory=list)  # (status, error code)
    errors: int = 0  # transport errors (a server gone)


async def load(url: str, key: str, seconds: float, out: Outcomes, workers: int = 16,
               stop: asyncio.Event | None = None) -> None:
    async def worker(client: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (stop and stop.is_set()):
            try:
                r = await client.post("/v1/chat/completions", json=BODY)
            except httpx.HTTPError:
                out.errors += 1
                await asyncio.sleep(0.05)
                continue
            if r.status_code == 200:
                out.ok.append(r.headers["x-request-id"])
            else:
                out.refused.append((r.status_code, r.json()["error"]["code"]))

    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=15) as client:
        await asyncio.gather(*(worker(client) for _ in range(workers)))


def audit_verify(db_url: str, key_file: str) -> None:
    env = {**os.environ, "BASTION_STORE__URL": db_url, "BASTION_AUDIT__SIGNING_KEY_FILE": key_file}
    env.pop("BASTION_CONFIG", None)
    done = subprocess.run([*CLI, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120,
                          cwd=tempfile.gettempdir())
    assert done.returncode == 0 and done.stdout.startswith("OK: "), done.stdout + done.stderr[-3000:]


def check_log(db_url: str, out: Outcomes, forwarded: int) -> None:
    """Every 200 is in the log; the upstream saw no more requests than have an intent record."""
    logged = records(db_url)
    rids = {r.get("request_id") for r in logged}
    assert [rid for rid in out.ok if rid not in rids] == []
    intents = {r.get("request_id") for r in logged if r.get("phase") == "intent"}
    assert forwarded <= len(intents), (forwarded, len(intents))


# (a) Redis hung ---------------------------------------------------------------------------------

class HangingRelay(CuttableRelay):
    """A TCP relay to Redis that can stop forwarding (connections stay open, nothing answers), as a
    Redis stuck in a long command or a silent network partition would."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port)
        self.flowing = threading.Event()
        self.flowing.set()

    async def _hold(self) -> None:
        while not self.flowing.is_set():
            await asyncio.sleep(0.01)


def test_redis_hung_fails_closed_within_the_stage_timeout(sqlite_url: str) -> None:
    host, port = REDIS_URL.removeprefix("redis://").split("/")[0].split(":")
    relay = HangingRelay(host, int(port))
    timeout_s = 1.0
    with relay.running() as redis_url, running_gateway(
            sqlite_url, server={"stage_timeout_s": timeout_s},
            counters={"backend": "redis", "redis_url": redis_url, "prefix": f"bt:{uuid.uuid4().hex[:8]}"}) as gw:
        assert gw.upstream is not None
        headers = {"Authorization": f"Bearer {gw.keys['active']}"}
        with httpx.Client(base_url=gw.v1, headers=headers, timeout=30) as http:
            assert http.post("/chat/completions", json=BODY).status_code == 200
            before = gw.upstream.requests
            relay.flowing.clear()
            replies: list[tuple[httpx.Response, float]] = []

            def one() -> None:
                t0 = time.monotonic()
                r = http.post("/chat/completions", json=BODY)
                replies.append((r, time.monotonic() - t0))

            threads = [threading.Thread(target=one) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert len(replies) == 8
            for r, took in replies:
                assert r.status_code == 503, r.text
                assert r.json()["error"]["type"] == "api_error"
                assert took < timeout_s + 1.5, took  # the stage timeout, not Redis, bounds the wait
            assert gw.upstream.requests == before  # nothing was forwarded while Redis hung
            print(f"redis hung: 8 of 8 refused 503 in at most {max(t for _, t in replies):.2f} s "
                  f"(stage timeout {timeout_s} s), forwarded 0")
            relay.flowing.set()
            assert http.post("/chat/completions", json=BODY).status_code == 200  # recovers, no restart
            hung_ids = [r.headers["x-request-id"] for r, _ in replies]
    logged = {r.get("request_id"): r for r in records(sqlite_url)}
    for rid in hung_ids:  # each refusal is in the log with the stage that refused it
        assert logged[rid]["decision"] == "deny" and logged[rid]["stage"] == "rate_limit", logged[rid]
    audit_verify(sqlite_url, gw.settings.audit.signing_key_file)


# (b) PostgreSQL restarted under load ------------------------------------------------------------

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


@dataclass
class PrivatePostgres:
    url: str
    stop: Callable[[], None]  # a crash-like stop: -m immediate, no shutdown checkpoint
    start: Callable[[], None]


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A throw-away PostgreSQL cluster on a free port, run as user postgres (initdb refuses root)."""
    if PG_BIN is None or shutil.which("runuser") is None:
        pytest.fail("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) and runuser are needed")
    root = Path(tempfile.mkdtemp(prefix="bastion-pg-"))
    data, port = root / "data", free_port()
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_pg:
        shutil.chown(root, "postgres")
    subprocess.run([*as_pg, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True, timeout=120)
    ctl = [*as_pg, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60"]
    opts = ["-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on"]

    def start() -> None:
        subprocess.run([*ctl, *opts, "start"], check=True, capture_output=True, timeout=90)

    def stop() -> None:
        subprocess.run([*ctl, "-m", "immediate", "stop"], check=True, capture_output=True, timeout=60)

    start()
    try:
        yield PrivatePostgres(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres", stop, start)
    finally:
        subprocess.run([*ctl, "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def test_postgres_restart_under_load_loses_no_acknowledged_request() -> None:
    with private_postgres() as pg, running_gateway(pg.url, limits=NO_LIMITS) as gw:
        assert gw.upstream is not None
        before, during, after = Outcomes(), Outcomes(), Outcomes()

        async def scenario() -> None:
            await load(gw.url, gw.keys["active"], 2.0, before)
            task = asyncio.create_task(load(gw.url, gw.keys["active"], 4.0, during))
            await asyncio.sleep(1.0)
            await asyncio.to_thread(pg.stop)  # the gateway itself is not restarted
            await asyncio.sleep(1.5)
            await asyncio.to_thread(pg.start)
            await task
            await load(gw.url, gw.keys["active"], 3.0, after)

        asyncio.run(scenario())
        forwarded = gw.upstream.requests
        assert len(before.ok) > 20
        assert during.refused, "the outage refused nothing: the database did not go away"
        assert all(status == 503 for status, _ in during.refused), during.refused[:5]  # refused, never faked
        assert len(after.ok) > 20, (after.refused[:5], after.errors)  # recovered without a gateway restart
        check_log(pg.url, Outcomes(before.ok + during.ok + after.ok), forwarded)
        print(f"pg restart: ok before/during/after {len(before.ok)}/{len(during.ok)}/{len(after.ok)}, "
              f"refused during {len(during.refused)}, transport errors {during.errors}, forwarded {forwarded}")
        audit_verify(pg.url, gw.settings.audit.signing_key_file)




# (c) disk full under SQLite ---------------------------------------------------------------------

@contextmanager
def small_tmpfs(size: str) -> Iterator[Path]:
    """A real file system of ``size`` (tmpfs, mounted here: the test runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    where = Path(tempfile.mkdtemp(prefix="bastion-full-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                   check=True, capture_output=True, timeout=30)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30)
        where.rmdir()


def fill(path: Path) -> None:
    """Write ``path`` until the file system has no block left (unbuffered: no write is pending)."""
    with path.open("wb", buffering=0) as f:
        for size in (1 << 16, 512, 1):
            with suppress(OSError):
                while True:
                    f.write(b"\0" * size)


def test_sqlite_disk_full_refuses_and_never_forwards(tmp_path: Path) -> None:
    with small_tmpfs("24m") as disk:
        db_url = f"sqlite+aiosqlite:///{disk / 'bastion.db'}"
        with running_gateway(db_url, limits=NO_LIMITS) as gw:
            assert gw.upstream is not None
            out = Outcomes()
            headers = {"Authorization": f"Bearer {gw.keys['active']}"}
            with httpx.Client(base_url=gw.v1, headers=headers, timeout=30) as http:

                def send(n: int, stop_after_refusals: int | None = None) -> None:
                    refusals = 0
                    for _ in range(n):
                        r = http.post("/chat/completions", json=BODY)
                        if r.status_code == 200:
                            out.ok.append(r.headers["x-request-id"])
                        else:
                            out.refused.append((r.status_code, r.json()["error"]["code"]))
                            refusals += 1
                            if stop_after_refusals and refusals >= stop_after_refusals:
                                return

                send(20)
                assert len(out.ok) == 20
                fill(disk / "filler")
                send(2000, stop_after_refusals=20)
                full_refused = list(out.refused)
                (disk / "filler").unlink()
                ok_before = len(out.ok)
                send(20)
                recovered = len(out.ok) - ok_before
            forwarded = gw.upstream.requests
        assert len(full_refused) >= 20, "the full disk refused nothing"
        assert {code for _, code in full_refused} == {"audit_unavailable"}, full_refused[:5]
        assert {status for status, _ in full_refused} == {503}
        assert recovered == 20  # space back: the log writes again, no restart
        check_log(db_url, out, forwarded)
        audit_verify(db_url, gw.settings.audit.signing_key_file)
        print(f"disk full: {len(out.ok)} answered, {len(full_refused)} refused audit_unavailable, "
              f"forwarded {forwarded}")


# (d) kill -9 of one of two replicas -------------------------------------------------------------

def test_kill_9_of_one_replica_loses_nothing_and_the_other_serves_on(pg_url: str, tmp_path: Path) -> None:
    upstream = DemoUpstream()
    with BackgroundServer(upstream) as upstream_url:
        settings = gateway_settings(pg_url, upstream_url)
        keys, _ = asyncio.run(seed_accounts(settings))
        key_file = tmp_path / "signing.key"  # one machine: both replicas read the same key file
        secret = {"BASTION_SERVER_SECRET": settings.server.server_secret}
        ports = {"a": free_port(), "b": free_port()}
        procs: dict[str, subprocess.Popen[bytes]] = {}
        try:
            for name in ("a", "b"):  # a first: it creates the key and binds the log to it
                env = {**config(tmp_path / f"gw-{name}.toml", pg_url, upstream_url, ports[name], key_file), **secret}
                procs[name] = subprocess.Popen([*CLI, "serve"], env=env, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL)
                wait_healthy(f"http://127.0.0.1:{ports[name]}", timeout_s=60)
            a_url, b_url = (f"http://127.0.0.1:{ports[n]}" for n in ("a", "b"))
            a_out, b_out, a_after = Outcomes(), Outcomes(), Outcomes()

            async def scenario() -> None:
                stop = asyncio.Event()
                tasks = [asyncio.create_task(load(u, keys["active"], 120.0, o, workers=8, stop=stop))
                         for u, o in ((a_url, a_out), (b_url, b_out))]
                deadline = time.monotonic() + 60
                while len(b_out.ok) < 30 and time.monotonic() < deadline:  # a busy machine starts slowly
                    await asyncio.sleep(0.05)
                os.kill(procs["b"].pid, signal.SIGKILL)  # under load: no shutdown, no final checkpoint
                await asyncio.sleep(1.5)
                stop.set()
                await asyncio.gather(*tasks)
                await load(a_url, keys["active"], 2.0, a_after, workers=8)

            asyncio.run(scenario())
            assert procs["b"].wait(timeout=10) == -signal.SIGKILL
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.terminate()
            for p in procs.values():
                p.wait(timeout=30)
        forwarded = upstream.requests
    assert len(b_out.ok) >= 30 and b_out.errors > 0, (len(b_out.ok), b_out.errors)  # b served, then died
    assert len(a_after.ok) > 20 and not a_after.refused  # a was untouched by b's death
    check_log(pg_url, Outcomes(a_out.ok + b_out.ok + a_after.ok), forwarded)
    audit_verify(pg_url, str(key_file))
    print(f"replica kill: a {len(a_out.ok)}+{len(a_after.ok)} answered, b {len(b_out.ok)} answered before "
          f"kill -9, forwarded {forwarded}")
