"""A client that disconnects mid-stream cancels the upstream request, and the log says so.

The upstream is a slow streaming server on its own thread (a test double for an inference server,
a boundary we do not own): it sends an SSE chunk every 50 ms for up to 20 s and notes when the
gateway closes its connection. The client is a raw socket that reads the first chunk and closes.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from tests.audit.test_gateway_audit import records
from tests.helpers import running_gateway

CHUNKS = 400  # 20 s of answer at one chunk per 50 ms: far longer than the test waits


class SlowStream:
    def __init__(self) -> None:
        self.closed = threading.Event()  # the gateway closed the connection before the answer ended
        self.sent = 0
        self.requests = 0
        self.loop = asyncio.new_event_loop()
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        await reader.readexactly(length)
        self.requests += 1
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        eof = asyncio.ensure_future(reader.read(1))  # b"" once the gateway closes its side
        try:
            for i in range(CHUNKS):
                chunk = {"id": "slow", "object": "chat.completion.chunk", "created": 0, "model": "demo-model",
                         "choices": [{"index": 0, "delta": {"content": f"word{i} "}, "finish_reason": None}]}
                data = b"data: " + orjson.dumps(chunk) + b"\n\n"
                writer.write(b"%x\r\n%s\r\n" % (len(data), data))
                await writer.drain()
                self.sent += 1
                await asyncio.wait({eof}, timeout=0.05)
                if eof.done():
                    self.closed.set()
                    return
            writer.write(b"e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n")
            await writer.drain()
        except ConnectionError:
            self.closed.set()
        finally:
            eof.cancel()
            writer.close()

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self.handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()
        server.close()

    @contextmanager
    def running(self) -> Iterator[str]:
        ready = threading.Event()
        thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        thread.start()
        ready.wait(10)
        try:
            yield f"http://127.0.0.1:{self.port}"
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            thread.join(10)


def read_first_chunk_then_close(url: str, key: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    body = orjson.dumps({"model": "demo-model", "stream": True, "messages": [{"role": "user", "content": "talk"}]})
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                     b"authorization: Bearer " + key.encode() + b"\r\ncontent-length: %d\r\n\r\n" % len(body) + body)
        got = b""
        while b"data: " not in got:
            part = sock.recv(65536)
            assert part, "the gateway closed the stream before its first chunk"
            got += part
        assert b" 200 OK" in got.split(b"\r\n", 1)[0]


def closing_record(db: str, timeout_s: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        closes = [r for r in records(db) if r.get("phase") == "close" and "stream" in r]
        if closes or time.monotonic() > deadline:
            assert closes, "no closing record"
            return closes[-1]
        time.sleep(0.1)


def test_client_disconnect_mid_stream_cancels_the_upstream_and_is_recorded(sqlite_url: str) -> None:
    upstream = SlowStream()
    with upstream.running() as up, \
            running_gateway(sqlite_url, models={"demo-model": {"upstreams": [{"base_url": up + "/v1"}]}}) as gw:
        read_first_chunk_then_close(gw.url, gw.keys["active"])
        assert upstream.closed.wait(15), "the upstream connection stayed open after the client left"
        assert upstream.sent < CHUNKS and upstream.requests == 1
        close = closing_record(sqlite_url)
    assert close["stream"] == {"ended": "client_disconnected"}
    assert close["decision"] == "allow" and close["request_id"]
    intent = [r for r in records(sqlite_url) if r.get("request_id") == close["request_id"]]
    assert [r["phase"] for r in intent] == ["intent", "close"]
