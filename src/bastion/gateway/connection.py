"""Connection hygiene below the ASGI app: read deadlines and header limits per HTTP/1.1 connection.

uvicorn's httptools protocol has a keep-alive timeout but no deadline for reading a request's head
or body and no limit on header count or size (llhttp buffers a header of any length). A client
could hold a connection open forever by sending a header slowly, or make the server buffer a 2 MB
header. ``GuardedHttpToolsProtocol`` adds, per connection:

* a head deadline: the request line and headers must arrive within ``header_timeout_s`` (from the
  connection's start, or from the first byte of a later request on a kept-alive connection);
* a body deadline: the whole body must arrive within ``body_timeout_s`` of the end of the head;
* at most ``max_header_count`` headers and ``max_header_bytes`` bytes of head (request line and
  headers) per request.

A late head gets 408, a late body 408 (the app sees a disconnect), too many or too large headers
431; each closes the connection. A connection that never sent a byte is closed silently. Other
connections are unaffected: each deadline is a timer on the event loop, not a waiting task.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from bastion.config import ServerSettings
from bastion.gateway.errors import error_body

_IDLE, _HEAD, _BODY = 0, 1, 2  # between requests; reading a head; reading a body
_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """``[server]`` header_timeout_s, body_timeout_s, keep_alive_timeout_s, max_header_count,
    max_header_bytes."""

    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    keep_alive_timeout_s: int = 30
    max_header_count: int = 100
    max_header_bytes: int = 16_384

    @classmethod
    def of(cls, server: ServerSettings) -> ConnectionLimits:
        return cls(server.header_timeout_s, server.body_timeout_s, server.keep_alive_timeout_s,
                   server.max_header_count, server.max_header_bytes)


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; uvicorn turns it into ``send_400_response``."""


class LimitedConfig(uvicorn.Config):
    """uvicorn's config with Bastion's connection limits. A module-level class, so that it pickles to
    the worker processes of ``--workers`` with its limits."""

    def __init__(self, app: Any, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(app, http=GuardedHttpToolsProtocol, timeout_keep_alive=limits.keep_alive_timeout_s,
                         **kwargs)
        self.connection_limits = limits


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, config: uvicorn.Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = config.connection_limits if isinstance(config, LimitedConfig) else ConnectionLimits()
        self._phase = _IDLE
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._header_count = 0
        self._refusal: tuple[int, str, str] | None = None

    # -- connection ------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.limits.header_timeout_s)  # a new connection owes us its first head in time

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._phase != _BODY:
            self._head_bytes += len(data)
        super().data_received(data)
        if self.transport.is_closing():
            return
        # Checked after parsing: a chunk that completes the head may carry a large body with it.
        if self._phase == _HEAD:
            if self._head_bytes > self.limits.max_header_bytes:
                self._answer_and_close(431, f"The request head is larger than {self.limits.max_header_bytes} "
                                       "bytes.", "headers_too_large")
                return
            if self._deadline is None:
                self._arm(self.limits.header_timeout_s)
        elif self._phase == _BODY and self._deadline is None:
            self._arm(self.limits.body_timeout_s)

    # -- parser callbacks ------------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._phase = _HEAD
        self._header_count = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_header_count:
            self._refusal = (431, f"The request has more than {self.limits.max_header_count} headers.",
                             "too_many_headers")
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        self._phase, self._head_bytes = _BODY, 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._phase = _IDLE
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        # uvicorn's answer to any parser error, the _Refused raised above among them.
        if self._refusal is None:
            super().send_400_response(msg)
        else:
            self._answer_and_close(*self._refusal)

    # -- deadlines -------------------------------------------------------------------------
    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if self._phase == _IDLE:  # connected and sent nothing
            self.transport.close()
        elif self._phase == _HEAD:
            if cycle is not None and not cycle.response_complete:
                cycle.keep_alive = False  # a pipelined head is late: finish the answer in flight, then close
            else:
                self._answer_and_close(408, "The request head was not received in time.", "request_timeout")
        else:
            answered = cycle.response_started
            # What connection_lost would do, now: the app's receive() sees a disconnect, its sends are dropped.
            if not cycle.response_complete:
                cycle.disconnected = True
            cycle.message_event.set()
            if answered:
                self.transport.close()
            else:
                self._answer_and_close(408, "The request body was not received in time.", "request_timeout")

    def _answer_and_close(self, status: int, message: str, code: str) -> None:
        cycle = self.cycle
        if cycle is not None and cycle.response_started and not cycle.response_complete:
            self.transport.close()  # an answer is half written: no room for another one
            return
        body = error_body(status, message, code, type="invalid_request_error")
        head = b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
        self.transport.write(head % (status, _REASONS[status], len(body)) + body)
        self.transport.close()
