"""At most once upstream: a request that reached an upstream is never sent to another one.

The first upstream is a real process that reads the whole request and then kills itself (SIGKILL),
as an inference server that crashed mid-generation would; the second is the demo upstream, which
counts what it receives. Failover is kept for what provably never left: a refused connection.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bastion.gateway.app import create_app
from bastion.gateway.demo_upstream import DemoUpstream
from bastion.gateway.server import BackgroundServer
from tests.audit.test_gateway_audit import records
from tests.helpers import gateway_settings, seed_accounts

# Reads one request (head, then Content-Length bytes of body), writes the body to argv[1], dies.
KILLED_AFTER_BODY = r"""
import os, signal, socket, sys
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(8)
print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
data = b""
while b"\r\n\r\n" not in data:
    data += conn.recv(65536)
head, _, body = data.partition(b"\r\n\r\n")
length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
              if line.lower().startswith(b"content-length:"))
while len(body) < length:
    body += conn.recv(65536)
with open(sys.argv[1], "wb") as f:
    f.write(body)
os.kill(os.getpid(), signal.SIGKILL)
"""


@contextmanager
def killed_after_body(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    seen = tmp_path / "seen-body"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_AFTER_BODY, str(seen)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield f"http://127.0.0.1:{port}", seen
    finally:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def refused_port() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


@contextmanager
def two_upstreams(db_url: str, first: str) -> Iterator[tuple[str, str, DemoUpstream]]:
    """A gateway whose model has ``first`` then a counting demo upstream; yields (url, key, second)."""
    second = DemoUpstream()
    with BackgroundServer(second) as second_url:
        ups = [{"base_url": first + "/v1", "timeout_s": 10, "connect_timeout_s": 2},
               {"base_url": second_url + "/v1", "timeout_s": 10}]
        settings = gateway_settings(db_url, second_url, models={"demo-model": {"upstreams": ups}})
        keys, _ = asyncio.run(seed_accounts(settings))
        with BackgroundServer(create_app(settings)) as url:
            yield url, keys["active"], second


def ask(url: str, key: str, stream: bool) -> httpx.Response:
    body = {"model": "demo-model", "stream": stream, "messages": [{"role": "user", "content": "run this once"}]}
    return httpx.post(url + "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"},
                      timeout=20)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_an_upstream_killed_after_reading_the_body_is_a_502_and_never_re_sent(
        stream: bool, sqlite_url: str, tmp_path: Path) -> None:
    with killed_after_body(tmp_path) as (first, seen), two_upstreams(sqlite_url, first) as (url, key, second):
        r = ask(url, key, stream)
        assert r.status_code == 502, r.text
        assert r.json()["error"]["code"] == "upstream_error"
        assert second.requests == 0  # the request may have run on the first: it went nowhere else
        assert b"run this once" in seen.read_bytes()  # the killed upstream had the whole body
        rid = r.headers["x-request-id"]
    mine = [rec for rec in records(sqlite_url) if rec.get("request_id") == rid]
    assert mine and mine[-1]["status"] == 502 and mine[-1]["stage"] == "upstream"


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_refused_connection_still_fails_over(stream: bool, sqlite_url: str) -> None:
    with refused_port() as first, two_upstreams(sqlite_url, first) as (url, key, second):
        r = ask(url, key, stream)
        assert r.status_code == 200, r.text
        assert ("data: [DONE]" if stream else "run this once") in r.text
        assert second.requests == 1
