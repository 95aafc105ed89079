"""Connection hygiene on a real gateway over loopback: slow heads and bodies are cut off (408) while
other clients are served, idle connections are closed, too many or too large headers are a 431."""

from __future__ import annotations

import asyncio
import pickle
import select
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import orjson
import pytest

from bastion.config import ServerSettings
from bastion.gateway.connection import ConnectionLimits, LimitedConfig
from bastion.gateway.server import uvicorn_config
from tests.helpers import Running, running_gateway

SLOW = 100  # connections in the slowloris
SAFETY_S = 20.0  # bound on any wait here; the limits under test are 1-2 s


@pytest.fixture
def tight(sqlite_url: str) -> Iterator[Running]:
    with running_gateway(sqlite_url, server={"header_timeout_s": 2.0, "body_timeout_s": 1.0,
                                             "keep_alive_timeout_s": 1}) as gw:
        yield gw


def address(gw: Running) -> tuple[str, int]:
    parts = urlsplit(gw.url)
    return parts.hostname or "127.0.0.1", parts.port or 80


@dataclass
class Ending:
    status: int | None  # the status line's code, when the server answered before closing
    sent_lines: int  # header lines the client had sent when the server closed


async def slow_head(host: str, port: int) -> Ending:
    """Send a request head one header line every 0.2 s, never finishing it, until the server closes."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n")
    try:
        for sent in range(int(SAFETY_S / 0.2)):
            try:
                data = await asyncio.wait_for(reader.read(65536), 0.2)
            except TimeoutError:
                writer.write(b"X-Slow-%d: a\r\n" % sent)
                continue
            if not data:
                return Ending(None, sent)
            await asyncio.wait_for(reader.read(), SAFETY_S)  # after its answer the server must close
            return Ending(int(data.split()[1]), sent)
        raise AssertionError("the server kept a slow head open")
    finally:
        writer.close()


def test_slowloris_is_cut_off_and_others_are_served(tight: Running) -> None:
    host, port = address(tight)
    chat = {"model": "demo-model", "messages": [{"role": "user", "content": "still here?"}]}
    auth = {"Authorization": f"Bearer {tight.keys['active']}"}

    async def scenario() -> tuple[list[Ending], list[int]]:
        slow = [asyncio.create_task(slow_head(host, port)) for _ in range(SLOW)]
        await asyncio.sleep(0.5)  # the slow heads are open and trickling
        served = []
        async with httpx.AsyncClient(timeout=10) as http:
            for _ in range(5):
                served.append((await http.post(tight.v1 + "/chat/completions", json=chat, headers=auth)).status_code)
                served.append((await http.get(tight.url + "/healthz")).status_code)
        assert not any(task.done() for task in slow)  # they were still open while others were served
        return await asyncio.gather(*slow), served

    endings, served = asyncio.run(scenario())
    assert served == [200] * 10
    assert len(endings) == SLOW
    assert all(e.status == 408 for e in endings), {e.status for e in endings}
    # cut off by the deadline, not by the count of header lines (which stays far below the limit)
    assert all(e.sent_lines < 100 for e in endings)


def raw_exchange(gw: Running, payload: bytes, step: int = 16_384) -> tuple[int | None, bytes]:
    """Send ``payload`` in steps, stopping as soon as the server answers; then read the answer to EOF.
    Returns the status (None when the server closed without one) and the answer's body."""
    with socket.create_connection(address(gw), timeout=SAFETY_S) as sock:
        for start in range(0, len(payload), step):
            if select.select([sock], [], [], 0.05)[0]:
                break  # the server answered already: stop sending (as a client that reads would)
            sock.sendall(payload[start:start + step])
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    if not data:
        return None, b""
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_a_2mb_header_is_431(tight: Running) -> None:
    payload = b"GET /healthz HTTP/1.1\r\nHost: gw\r\nX-Big: " + b"a" * 2_000_000 + b"\r\n\r\n"
    status, body = raw_exchange(tight, payload)
    assert status == 431
    assert orjson.loads(body)["error"]["code"] == "headers_too_large"


def test_2000_headers_are_431(tight: Running) -> None:
    lines = b"".join(b"X-H%d: v\r\n" % i for i in range(2000))
    status, body = raw_exchange(tight, b"GET /healthz HTTP/1.1\r\nHost: gw\r\n" + lines + b"\r\n")
    assert status == 431
    assert orjson.loads(body)["error"]["code"] == "too_many_headers"


def test_headers_within_the_limits_are_served(tight: Running) -> None:
    headers = {f"x-h{i}": "v" * 100 for i in range(90)}
    assert httpx.get(tight.url + "/healthz", headers=headers, timeout=10).status_code == 200


def test_a_slow_body_is_408_and_never_forwarded(tight: Running) -> None:
    body = orjson.dumps({"model": "demo-model", "messages": [{"role": "user", "content": "x" * 200}]})
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer {tight.keys['active']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    assert tight.upstream is not None
    before = tight.upstream.requests
    with socket.create_connection(address(tight), timeout=SAFETY_S) as sock:
        sock.sendall(head + body[:10])
        answer = b""
        for i in range(10, len(body)):  # one byte every 0.2 s: far slower than the 1 s body deadline allows
            if select.select([sock], [], [], 0.2)[0]:
                break
            sock.sendall(body[i:i + 1])
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert tight.upstream.requests == before


def test_silent_and_idle_connections_are_closed(tight: Running) -> None:
    with socket.create_connection(address(tight), timeout=SAFETY_S) as sock:
        assert sock.recv(65536) == b""  # never sent a byte: closed without an answer
    with socket.create_connection(address(tight), timeout=SAFETY_S) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n")
        data = b""
        while b'"ok"' not in data:
            data += sock.recv(65536)
        assert data.startswith(b"HTTP/1.1 200 ")
        assert sock.recv(65536) == b""  # kept alive, then closed when idle


def test_limits_travel_to_worker_processes() -> None:
    # `serve --workers` pickles the uvicorn config to each spawned worker: the limits must go with it.
    limits = ConnectionLimits.of(ServerSettings(header_timeout_s=3.5, max_header_count=7))
    config = pickle.loads(pickle.dumps(uvicorn_config("bastion.gateway.workers:worker_app", "127.0.0.1", 1, limits)))
    assert isinstance(config, LimitedConfig) and config.connection_limits == limits
    assert config.timeout_keep_alive == limits.keep_alive_timeout_s


def test_a_slow_answer_is_not_cut_off(tight: Running) -> None:
    # The deadlines are on what the client sends: an answer that takes longer than both (here the
    # upstream waits 2.5 s; head 2 s, body 1 s) is delivered, and the connection is reused after it.
    auth = {"Authorization": f"Bearer {tight.keys['active']}"}
    with httpx.Client(timeout=SAFETY_S, headers=auth) as http:
        for content in ("!sleep 2500", "again"):
            r = http.post(tight.v1 + "/chat/completions",
                          json={"model": "demo-model", "messages": [{"role": "user", "content": content}]})
            assert r.status_code == 200, r.text
