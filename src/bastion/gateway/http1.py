"""A lean HTTP/1.1 client for the non-streaming upstream leg: keep-alive pool, httptools parsing.

Every allowed request pays for the upstream hop, and a general-purpose client (aiohttp builds a
request object, a connector lease, a response object and timers per call) cost about 30% of the
gateway's main thread. This one writes the request bytes on a pooled connection and parses the
reply with httptools straight from the asyncio protocol. Streams still go through aiohttp
(``upstream.py``), which relays them chunk by chunk.

Errors, mapped by the caller: ``UpstreamUnreachable`` (provably nothing was sent, so another
upstream may be tried), ``TimeoutError`` (head or body wait over its budget) and ``UpstreamBroken``
(the connection died or sent something that is not HTTP after the request went out).

At most once: a request is never written twice. Once its bytes are on a socket the upstream may
run it, even if the connection then dies without a byte of reply, so that is ``UpstreamBroken``
(a 502), never a re-send. The keep-alive race (the upstream closes an idle connection just as we
write to it) is narrowed instead of retried through: an idle connection is reused only while it
is younger than ``reuse_idle_s`` (below the 5 s keep-alive of uvicorn, llama.cpp and most
inference servers), and only when the socket shows no close yet; a fresh connection is tried
only when the write itself failed before any byte left.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import httptools

MAX_IDLE = 256  # idle connections kept per upstream address
REUSE_IDLE_S = 2.0  # an idle connection older than this is closed, not reused (see the module docstring)
_BODY_FRAMING = ("content-length", "transfer-encoding")


class UpstreamUnreachable(ConnectionError):
    """No connection could be made, or the write failed before any byte of the request left: safe to
    try elsewhere."""


class UpstreamBroken(ConnectionError):
    """The connection died, or the reply was cut short or malformed, after the request was sent: the
    upstream may have run it, so it must not be sent again."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection; parses one reply at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.idle_since = 0.0
        self._reset()

    def _reset(self) -> None:
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.status = 0
        self.got_bytes = False
        self.keep_alive = False
        loop = asyncio.get_running_loop()
        self.head: asyncio.Future[None] = loop.create_future()
        self.done: asyncio.Future[None] = loop.create_future()

    # -- asyncio.Protocol ------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamBroken(f"malformed reply from upstream ({exc})"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.head.done() and not self.done.done() and not any(h in self.headers for h in _BODY_FRAMING):
            self.done.set_result(None)  # a reply delimited by the end of the connection
            return
        # Reached only after the request was written (an idle connection has no waiter): it may
        # have run, whether or not a byte of the reply came back.
        what = "mid-reply" if self.got_bytes else "after the request was sent, before replying"
        self._fail(UpstreamBroken(f"upstream closed the connection {what}"))

    # -- httptools callbacks ---------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        self.headers[key] = f"{self.headers[key]}, {text}" if key in self.headers else text

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if 100 <= self.status < 200:  # an interim reply: the real one follows
            self.headers = {}
            return
        if not self.head.done():
            self.head.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self.status < 200:
            return
        self.keep_alive = self.parser.should_keep_alive()
        if not self.done.done():
            self.done.set_result(None)

    # -- use -------------------------------------------------------------------------------
    def _fail(self, exc: Exception) -> None:
        for fut in (self.head, self.done):
            if not fut.done():
                fut.set_exception(exc)
                fut.exception()  # retrieved here: a failure nobody awaits must not be logged as lost

    def send(self, raw: bytes) -> bool:
        """Write the request; False when the write failed before any byte left.

        The connection is idle (nothing buffered), so ``write`` tries one ``send()`` at once: if that
        raised, the transport is already closing and none of ``raw`` reached the socket.
        """
        self._reset()
        assert self.transport is not None
        if self.closed or self.transport.is_closing():
            return False
        self.transport.write(raw)
        return not self.transport.is_closing()

    def reusable(self) -> bool:
        return not self.closed and self.done.done() and not self.done.exception() and self.keep_alive

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class UpstreamReply:
    """Status and headers as soon as the head arrived; ``read`` waits for the rest of the body."""

    def __init__(self, pool: Http1Pool, address: tuple[str, str, int], conn: _Connection, timeout_s: float) -> None:
        self._pool, self._address, self._conn, self._timeout_s = pool, address, conn, timeout_s
        self.status = conn.status
        self.headers: Mapping[str, str] = conn.headers

    async def read(self) -> bytes:
        async with asyncio.timeout(self._timeout_s):
            await self._conn.done
        return b"".join(self._conn.body)

    def release(self) -> None:
        """Back to the pool when the whole reply was read and the upstream keeps the connection."""
        if self._conn.reusable():
            self._pool.put_back(self._address, self._conn)
        else:
            self._conn.close()


class Http1Pool:
    def __init__(self, reuse_idle_s: float = REUSE_IDLE_S) -> None:
        self.reuse_idle_s = reuse_idle_s
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._tls = ssl.create_default_context()

    async def post(self, url: str, body: bytes, headers: Mapping[str, str], connect_timeout_s: float,
                   timeout_s: float) -> UpstreamReply:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UpstreamUnreachable(f"not an http(s) URL: {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = (parts.scheme, parts.hostname, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rpartition("@")[2]
        lines = [f"POST {target} HTTP/1.1", f"host: {host}", f"content-length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if any("\r" in line or "\n" in line for line in lines):
            # An upstream key (from the environment) or URL with a line break would smuggle headers.
            raise UpstreamBroken("refusing an upstream request line or header that contains a line break")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        while True:
            conn = self._take(address)
            reused = conn is not None
            if conn is None:
                conn = await self._connect(address, connect_timeout_s)
            if not conn.send(raw):
                conn.close()
                if reused:
                    continue  # nothing left on that stale connection: another one is safe
                raise UpstreamUnreachable("the connection failed before the request was written")
            try:
                async with asyncio.timeout(timeout_s):
                    await conn.head
            except BaseException:
                conn.close()
                raise
            return UpstreamReply(self, address, conn, timeout_s)

    def _take(self, address: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(address)
        fresh_after = time.monotonic() - self.reuse_idle_s
        while idle:
            conn = idle.pop()
            if not conn.closed and conn.idle_since >= fresh_after:
                return conn
            conn.close()
        return None

    async def _connect(self, address: tuple[str, str, int], timeout_s: float) -> _Connection:
        scheme, hostname, port = address
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout_s):
                _, conn = await loop.create_connection(
                    _Connection, hostname, port, ssl=self._tls if scheme == "https" else None,
                    server_hostname=hostname if scheme == "https" else None)
        except OSError as exc:
            raise UpstreamUnreachable(f"{type(exc).__name__}: {exc.strerror or exc}") from exc
        except TimeoutError as exc:  # no connection, so nothing was sent: another upstream may be tried
            raise UpstreamUnreachable(f"connect timed out after {timeout_s:g} s") from exc
        return conn

    def put_back(self, address: tuple[str, str, int], conn: _Connection) -> None:
        idle = self._idle.setdefault(address, [])
        if len(idle) < MAX_IDLE:
            conn.idle_since = time.monotonic()
            idle.append(conn)
        else:
            conn.close()

    def close(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
