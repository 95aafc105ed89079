"""The cheapest HTTP proxy CPython runs: a yardstick for ``gateway_overhead.py --ceiling``, not a gateway.

It relays each keep-alive HTTP/1.1 request to one upstream over its own keep-alive connection and
relays the reply bytes back, straight from asyncio protocols on uvloop with httptools parsing:
no ASGI server, no authentication, no JSON, no limits, no audit, no metrics. Whatever throughput it
reaches is an upper bound for any gateway written in Python on this machine, so the bench can show
how much of the distance to "direct" is Python and the second hop, and how much is Bastion.

Run: ``python bench/_bare_proxy.py --port 9200 --upstream-port 9100``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import cast

import httptools


class _UpstreamSide(asyncio.Protocol):
    """Upstream replies, forwarded verbatim to the client once each is complete."""

    def __init__(self, client: asyncio.Transport) -> None:
        self.client = client
        self.parser = httptools.HttpResponseParser(self)
        self.parts: list[bytes] = []

    def data_received(self, data: bytes) -> None:
        self.parts.append(data)
        self.parser.feed_data(data)

    def on_message_complete(self) -> None:
        self.client.write(b"".join(self.parts))
        self.parts = []

    def connection_lost(self, exc: Exception | None) -> None:
        self.client.close()


class _ClientSide(asyncio.Protocol):
    """Client requests: re-framed (path, content-type, body) and written to this client's upstream."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.body: list[bytes] = []
        self.upstream: asyncio.Transport | None = None
        self.waiting: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass it
        asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        up, _ = await asyncio.get_running_loop().create_connection(
            lambda: _UpstreamSide(self.transport), self.host, self.port)
        self.upstream = up
        for raw in self.waiting:
            up.write(raw)
        self.waiting = []

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        body = b"".join(self.body)
        raw = (b"POST " + self.url + b" HTTP/1.1\r\nhost: upstream\r\ncontent-type: application/json\r\n"
               b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        self.url, self.body = b"", []
        if self.upstream is None:
            self.waiting.append(raw)
        else:
            self.upstream.write(raw)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.upstream is not None:
            self.upstream.close()


async def serve(port: int, upstream_host: str, upstream_port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _ClientSide(upstream_host, upstream_port), "127.0.0.1", port,
                                      backlog=1024)
    stopped = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stopped.done() or stopped.set_result(None))
    async with server:
        await stopped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream-host", default="127.0.0.1")
    ap.add_argument("--upstream-port", type=int, required=True)
    a = ap.parse_args()
    import uvloop

    uvloop.run(serve(a.port, a.upstream_host, a.upstream_port))


if __name__ == "__main__":
    main()
