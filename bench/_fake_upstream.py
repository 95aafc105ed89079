"""A minimal, fast fake OpenAI upstream for benchmarks (not a model, not for tests of behaviour).

It answers every ``POST .../chat/completions`` with the same small chat completion (usage included,
so token rate limits see tokens), ``GET /stats`` with how many it answered (so the bench can check
its own count) and everything else with 404, straight from an asyncio protocol on
uvloop: no ASGI framework, no JSON parsing of the request. That keeps its CPU cost per request far
below the gateway's, so on a shared 2-core machine the measured difference is the gateway's.

Run: ``python bench/_fake_upstream.py --port 9100 [--model bench-model]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from typing import cast

import httptools


def chat_reply(model: str) -> bytes:
    doc = {"id": "chatcmpl-bench", "object": "chat.completion", "created": 1_700_000_000, "model": model,
           "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello from the bench upstream."},
                        "finish_reason": "stop", "logprobs": None}],
           "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18}}
    body = json.dumps(doc, separators=(",", ":")).encode()
    head = (f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
            "connection: keep-alive\r\n\r\n").encode()
    return head + body


def _not_found() -> bytes:
    body = b'{"error":{"message":"bench upstream: no such route","type":"invalid_request_error","code":"not_found"}}'
    return (b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)


NOT_FOUND = _not_found()


def _json_reply(doc: dict[str, int]) -> bytes:
    body = json.dumps(doc).encode()
    return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + str(len(body)).encode() \
        + b"\r\n\r\n" + body


class _Upstream(asyncio.Protocol):
    def __init__(self, reply: bytes, served: list[int]) -> None:
        self.reply = reply
        self.served = served  # one shared counter for all connections
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.keep_alive = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_headers_complete(self) -> None:
        # llhttp forgets this once the message is complete, so read it while the headers are fresh.
        self.keep_alive = self.parser.should_keep_alive()

    def on_message_complete(self) -> None:
        assert self.transport is not None
        method, path = self.parser.get_method(), self.url.split(b"?")[0]
        if method == b"POST" and path.endswith(b"/chat/completions"):
            self.served[0] += 1
            self.transport.write(self.reply)
        elif method == b"GET" and path == b"/stats":
            self.transport.write(_json_reply({"chat_requests": self.served[0]}))
        else:
            self.transport.write(NOT_FOUND)
        self.url = b""
        if not self.keep_alive:
            self.transport.close()


async def serve(host: str, port: int, model: str) -> None:
    loop = asyncio.get_running_loop()
    reply = chat_reply(model)
    served = [0]
    server = await loop.create_server(lambda: _Upstream(reply, served), host, port, backlog=1024)
    stopped = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    async with server:
        await stopped.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--model", default="bench-model")
    args = ap.parse_args()
    try:
        import uvloop

        uvloop.run(serve(args.host, args.port, args.model))
    except ImportError:
        asyncio.run(serve(args.host, args.port, args.model))


if __name__ == "__main__":
    main()
