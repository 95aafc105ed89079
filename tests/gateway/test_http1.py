"""The lean upstream client against real sockets. The upstream is a scripted asyncio server (a test
double for the inference server, a boundary we do not own) that answers each request it reads
with the next canned reply, and can close the connection afterwards."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from bastion.gateway.http1 import Http1Pool, UpstreamBroken, UpstreamUnreachable

OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}"
Script = Callable[[int, bytes], tuple[bytes, bool]]  # (request number, raw request) -> (reply, close after)


class Upstream:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length"))
                raw = head + await reader.readexactly(length)
                self.requests.append(raw)
                reply, close = self.script(len(self.requests), raw)
                writer.write(reply)
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def listening(handler: Handler) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


@asynccontextmanager
async def upstream(script: Script) -> AsyncIterator[tuple[Upstream, str]]:
    up = Upstream(script)
    async with listening(up.handle) as port:
        yield up, f"http://127.0.0.1:{port}/v1/chat/completions"


async def post(pool: Http1Pool, url: str, body: bytes = b'{"model":"m"}', timeout_s: float = 5.0) -> tuple[int, bytes]:
    reply = await pool.post(url, body, {"content-type": "application/json", "authorization": "Bearer up"}, 2.0,
                            timeout_s)
    try:
        return reply.status, await reply.read()
    finally:
        reply.release()


async def test_keep_alive_reuses_one_connection_and_sends_the_request_as_given() -> None:
    async with upstream(lambda n, raw: (OK, False)) as (up, url):
        pool = Http1Pool()
        for _ in range(3):
            assert await post(pool, url) == (200, b'{"ok":true}')
        pool.close()
    assert up.connections == 1 and len(up.requests) == 3
    head, _, body = up.requests[0].partition(b"\r\n\r\n")
    assert head.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
    assert b"authorization: Bearer up" in head and b"content-length: 13" in head
    assert body == b'{"model":"m"}'


async def test_an_idle_connection_the_upstream_closed_is_replaced_transparently() -> None:
    async with upstream(lambda n, raw: (OK, True)) as (up, url):  # closes after every reply
        pool = Http1Pool()
        for _ in range(3):
            await asyncio.sleep(0.05)  # let the close arrive, or race it: both must work
            assert await post(pool, url) == (200, b'{"ok":true}')
        pool.close()
    assert up.connections == 3 and len(up.requests) == 3


async def test_a_request_written_to_a_connection_that_then_dies_unanswered_is_not_sent_again() -> None:
    # The upstream answers once, keeps the connection open a moment, then closes it without reading
    # what came next: the second request was written to a live socket, with no byte back. It may have
    # run, so it is broken (a 502 upstream), never re-sent on a fresh connection.
    connections: list[int] = []

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await reader.readuntil(b"\r\n\r\n")
        await reader.readexactly(13)
        writer.write(OK)
        await writer.drain()
        await asyncio.sleep(0.3)
        writer.close()

    async with listening(once) as port:
        pool = Http1Pool()
        url = f"http://127.0.0.1:{port}/v1/x"
        assert await post(pool, url) == (200, b'{"ok":true}')
        with pytest.raises(UpstreamBroken, match="before replying"):
            await post(pool, url)
        pool.close()
    assert len(connections) == 1


async def test_a_connection_killed_after_reading_the_whole_request_is_broken() -> None:
    got: list[bytes] = []

    async def kill(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        got.append(await reader.readuntil(b"\r\n\r\n") + await reader.readexactly(13))
        writer.transport.abort()  # a reset, as when the upstream process dies

    async with listening(kill) as port:
        with pytest.raises(UpstreamBroken) as err:
            await post(Http1Pool(), f"http://127.0.0.1:{port}/v1/x")
    assert not isinstance(err.value, UpstreamUnreachable) and len(got) == 1


async def test_an_idle_connection_past_its_reuse_age_is_replaced_not_reused() -> None:
    async with upstream(lambda n, raw: (OK, False)) as (up, url):
        pool = Http1Pool(reuse_idle_s=0.05)
        assert await post(pool, url) == (200, b'{"ok":true}')
        await asyncio.sleep(0.1)
        assert await post(pool, url) == (200, b'{"ok":true}')
        pool.close()
    assert up.connections == 2 and len(up.requests) == 2


@pytest.mark.parametrize("reply", [
    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{\"ok\r\n7\r\n\":true}\r\n0\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\n" + OK,
], ids=["chunked", "interim-100"])
async def test_framings_are_decoded(reply: bytes) -> None:
    async with upstream(lambda n, raw: (reply, False)) as (_, url):
        pool = Http1Pool()
        assert await post(pool, url) == (200, b'{"ok":true}')
        pool.close()


async def test_a_reply_delimited_by_close_is_read_whole_and_not_reused() -> None:
    reply = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n" + b"x" * 100_000
    async with upstream(lambda n, raw: (reply, True)) as (up, url):
        pool = Http1Pool()
        assert await post(pool, url) == (200, b"x" * 100_000)
        assert await post(pool, url) == (200, b"x" * 100_000)
        pool.close()
    assert up.connections == 2


async def test_error_statuses_come_back_as_replies() -> None:
    body = b'{"error":{"message":"no"}}'
    reply = b"HTTP/1.1 429 Too Many Requests\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    async with upstream(lambda n, raw: (reply, False)) as (_, url):
        pool = Http1Pool()
        assert await post(pool, url) == (429, body)
        pool.close()


async def test_a_reply_cut_mid_body_is_broken_not_short() -> None:
    cut = b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n" + b"x" * 10
    async with upstream(lambda n, raw: (cut, True)) as (_, url):
        pool = Http1Pool()
        with pytest.raises(UpstreamBroken):
            await post(pool, url)
        pool.close()


async def test_garbage_instead_of_http_is_broken() -> None:
    async with upstream(lambda n, raw: (b"SSH-2.0-OpenSSH\r\n\r\n", False)) as (_, url):
        pool = Http1Pool()
        with pytest.raises(UpstreamBroken):
            await post(pool, url)
        pool.close()


async def test_refused_connection_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        with pytest.raises(UpstreamUnreachable):
            await post(Http1Pool(), f"http://127.0.0.1:{port}/v1/x")


async def test_a_slow_head_times_out_and_the_connection_is_dropped() -> None:
    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        await asyncio.sleep(5)
        writer.close()

    async with listening(never) as port:
        pool = Http1Pool()
        with pytest.raises(TimeoutError):
            await post(pool, f"http://127.0.0.1:{port}/v1/x", timeout_s=0.2)
        assert pool._take(("http", "127.0.0.1", port)) is None  # nothing half-read goes back to the pool


async def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(UpstreamUnreachable, match="not an http"):
        await post(Http1Pool(), "ftp://127.0.0.1/x")


async def test_a_header_with_a_line_break_is_refused_before_anything_is_sent() -> None:
    async with upstream(lambda n, raw: (OK, False)) as (up, url):
        with pytest.raises(UpstreamBroken, match="line break"):
            await Http1Pool().post(url, b"{}", {"authorization": "Bearer k\r\nx-admin: 1"}, 1.0, 1.0)
    assert up.requests == []
