"""Built-in DEMO upstream: a small, deterministic OpenAI-compatible server for demos and tests.

It is not a model. It answers from a *responder*, a function from the request body to the answer
(text, or a dict with ``content`` and/or ``tool_calls``); the default one echoes the last user
message. Tests plant behaviour by passing their own responder (``--responder module:attr``).
Token counts are whitespace word counts, so usage is predictable.

Test hooks, on purpose: a last user message ``!status NNN`` makes it answer HTTP NNN, and
``!sleep MS`` makes it wait that long first.
"""

from __future__ import annotations

import asyncio
import hashlib
import struct
import time
from collections.abc import Callable
from typing import Any

import orjson

from bastion.gateway.asgi import Receive, Scope, Send, send_bytes, send_error
from bastion.gateway.context import iter_input_texts

Answer = str | dict[str, Any]
Responder = Callable[[dict[str, Any]], Answer]


def echo_responder(body: dict[str, Any]) -> Answer:
    texts = iter_input_texts(body)
    last = texts[-1] if texts else ""
    return f"Demo answer: you said {last[:500]!r}."


def _tokens(text: str) -> int:
    return len(text.split())


class DemoUpstream:
    def __init__(self, responder: Responder = echo_responder, models: tuple[str, ...] = ("demo-model",),
                 latency_ms: float = 0.0, chunk_delay_ms: float = 0.0) -> None:
        self.responder = responder
        self.models = models
        self.latency_s = latency_ms / 1000
        self.chunk_delay_s = chunk_delay_ms / 1000
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/v1/models":
            await send_bytes(send, 200, orjson.dumps({"object": "list", "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": "demo"} for m in self.models]}))
            return
        if scope["method"] != "POST" or path not in ("/v1/chat/completions", "/v1/completions", "/v1/embeddings"):
            await send_error(send, 404, f"demo upstream: no route {path}", "not_found")
            return
        raw = b""
        while True:
            msg = await receive()
            raw += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            await send_error(send, 400, "demo upstream: invalid JSON", "invalid_json")
            return
        self.requests += 1
        texts = iter_input_texts(body)
        last = texts[-1] if texts else ""
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        if last.startswith("!sleep "):
            await asyncio.sleep(float(last.split()[1]) / 1000)
        if last.startswith("!status "):
            status = int(last.split()[1])
            await send_error(send, status, f"demo upstream planted status {status}", "planted")
            return
        if path == "/v1/embeddings":
            await self._embeddings(body, send)
            return
        answer = self.responder(body)
        message = {"content": answer} if isinstance(answer, str) else dict(answer)
        chat = path == "/v1/chat/completions"
        if body.get("stream"):
            await self._stream(body, message, chat, texts, send)
        else:
            await send_bytes(send, 200, orjson.dumps(_completion(body, message, chat, texts)))

    async def _embeddings(self, body: dict[str, Any], send: Send) -> None:
        inputs = body.get("input")
        items = inputs if isinstance(inputs, list) else [inputs]
        data = []
        for i, item in enumerate(items):
            digest = hashlib.sha256(str(item).encode()).digest()
            vec = [round(v / 2**31, 6) for v in struct.unpack(">8i", digest)]
            data.append({"object": "embedding", "index": i, "embedding": vec})
        n = sum(_tokens(str(x)) for x in items)
        await send_bytes(send, 200, orjson.dumps({"object": "list", "data": data, "model": body.get("model"),
                                                  "usage": {"prompt_tokens": n, "total_tokens": n}}))

    async def _stream(self, body: dict[str, Any], message: dict[str, Any], chat: bool, texts: list[str],
                      send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        cid = "demo-" + hashlib.sha256(orjson.dumps(body)).hexdigest()[:16]
        created, model = int(time.time()), body.get("model")
        kind = "chat.completion.chunk" if chat else "text_completion"
        content = message.get("content") or ""
        pieces = [w + " " for w in content.split(" ")] if content else []
        if pieces:
            pieces[-1] = pieces[-1][:-1]
        for i, piece in enumerate(pieces):
            delta: dict[str, Any] = {"content": piece} if chat else {}
            if chat and i == 0:
                delta["role"] = "assistant"
            choice = {"index": 0, "delta": delta, "finish_reason": None} if chat else \
                {"index": 0, "text": piece, "finish_reason": None}
            chunk = {"id": cid, "object": kind, "created": created, "model": model, "choices": [choice]}
            await send({"type": "http.response.body", "body": b"data: " + orjson.dumps(chunk) + b"\n\n",
                        "more_body": True})
            if self.chunk_delay_s:
                await asyncio.sleep(self.chunk_delay_s)
        if chat and message.get("tool_calls"):
            calls = [dict(c, index=j) for j, c in enumerate(message["tool_calls"])]
            chunk = {"id": cid, "object": kind, "created": created, "model": model,
                     "choices": [{"index": 0, "delta": {"tool_calls": calls}, "finish_reason": None}]}
            await send({"type": "http.response.body", "body": b"data: " + orjson.dumps(chunk) + b"\n\n",
                        "more_body": True})
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        end_choice = {"index": 0, "delta": {}, "finish_reason": finish} if chat else \
            {"index": 0, "text": "", "finish_reason": finish}
        tail = [{"id": cid, "object": kind, "created": created, "model": model, "choices": [end_choice]}]
        if (body.get("stream_options") or {}).get("include_usage"):
            tail.append({"id": cid, "object": kind, "created": created, "model": model, "choices": [],
                         "usage": _usage(texts, content)})
        out = b"".join(b"data: " + orjson.dumps(c) + b"\n\n" for c in tail) + b"data: [DONE]\n\n"
        await send({"type": "http.response.body", "body": out, "more_body": False})


def _usage(texts: list[str], content: str) -> dict[str, int]:
    p = sum(_tokens(t) for t in texts)
    c = _tokens(content)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _completion(body: dict[str, Any], message: dict[str, Any], chat: bool, texts: list[str]) -> dict[str, Any]:
    content = message.get("content") or ""
    cid = "demo-" + hashlib.sha256(orjson.dumps(body)).hexdigest()[:16]
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    if chat:
        msg: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
        if message.get("tool_calls"):
            msg["tool_calls"] = message["tool_calls"]
        choice: dict[str, Any] = {"index": 0, "message": msg, "finish_reason": finish, "logprobs": None}
    else:
        choice = {"index": 0, "text": content, "finish_reason": finish, "logprobs": None}
    return {"id": cid, "object": "chat.completion" if chat else "text_completion", "created": int(time.time()),
            "model": body.get("model"), "choices": [choice], "usage": _usage(texts, content)}
