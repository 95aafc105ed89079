"""Minimal ASGI plumbing for the hot path (the proxy routes skip any framework on purpose)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from bastion.gateway.errors import GatewayError, error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON = (b"content-type", b"application/json")


def header_map(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole request body, refusing (413) as soon as it passes ``limit`` bytes."""
    for k, v in scope.get("headers", ()):
        if k == b"content-length":
            try:
                declared = int(v)
            except ValueError as exc:
                raise GatewayError(400, "Invalid Content-Length header.", "invalid_request") from exc
            if declared > limit:
                raise GatewayError(413, f"Request body is larger than {limit} bytes.", "request_too_large")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise GatewayError(400, "Client disconnected.", "client_disconnected")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise GatewayError(413, f"Request body is larger than {limit} bytes.", "request_too_large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def send_bytes(send: Send, status: int, body: bytes,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    hdrs = [JSON, (b"content-length", str(len(body)).encode())]
    if headers:
        hdrs.extend(headers)
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})


async def send_error(send: Send, status: int, message: str, code: str | None,
                     headers: list[tuple[bytes, bytes]] | None = None, **extra: Any) -> None:
    await send_bytes(send, status, error_body(status, message, code, **extra), headers)
