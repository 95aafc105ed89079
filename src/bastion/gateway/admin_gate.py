"""The door in front of the admin API: the admin token and a body limit, checked before any byte of
the body is read.

FastAPI reads and parses a body before it runs dependencies such as ``require_admin``, so a check
there comes too late: an unauthenticated 300 MB POST would be read whole before its 401. Here the
token is checked on the headers alone, and a refusal closes the connection so that the unread rest
of the body is never taken in. An accepted body is read (up to the admin limit) and handed on.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from bastion.gateway.asgi import Message, Receive, Scope, Send, read_body, send_error
from bastion.gateway.errors import GatewayError

ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# A refusal sent before the body was read: close, so the client cannot make us read the rest.
CLOSE = (b"connection", b"close")


def bearer_matches(scope: Scope, token: str) -> bool:
    """Whether the request's ``Authorization: Bearer`` value is ``token`` (compared in constant time)."""
    if not token:
        return False
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            if value[:7].lower() != b"bearer ":
                return False
            return hmac.compare_digest(value[7:].strip(), token.encode())
    return False


async def refuse_admin(scope: Scope, send: Send, token: str) -> bool:
    """Send the refusal for a request without a valid admin token; False when the token is valid."""
    if not token:
        await send_error(send, 403, "The admin API is disabled: no admin token is configured.", "admin_disabled",
                         [CLOSE])
        return True
    if not bearer_matches(scope, token):
        await send_error(send, 401, "A valid admin token is required (Authorization: Bearer <admin token>).",
                         "invalid_admin_token", [CLOSE, (b"www-authenticate", b"Bearer")])
        return True
    return False


class AdminGate:
    """Wraps the admin ASGI app: token first, then at most ``max_body`` bytes of body, then the app."""

    def __init__(self, app: ASGIApp, token: str, max_body: int) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await refuse_admin(scope, send, self.token):
            return
        try:
            body = await read_body(scope, receive, self.max_body)
        except GatewayError as exc:
            if exc.code != "client_disconnected":
                await send_error(send, exc.status, exc.message, exc.code, [CLOSE])
            return
        delivered = False

        async def replay() -> Message:
            # The body once, as read; after that the connection's own events (a disconnect).
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
