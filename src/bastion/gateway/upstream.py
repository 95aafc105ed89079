"""Upstream inference servers: pooled keep-alive HTTP connections, failover on connect errors.

At most once: only a failure that proves the request never left (no connection could be made, or
the write failed before any byte went out) moves on to the model's next upstream. Once a byte of
the request was written the upstream may be running it, so a disconnect, a reset or a timeout is
a 502/504, never a re-send. Whole replies go through the lean client (``http1.py``); streams
through aiohttp, which relays them as they come.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp

from bastion.config import ModelSettings, UpstreamSettings
from bastion.gateway.errors import GatewayError
from bastion.gateway.http1 import Http1Pool, UpstreamReply, UpstreamUnreachable

# What reading an upstream body can raise besides a timeout (mapped to 502 by the proxy).
READ_ERRORS: tuple[type[Exception], ...] = (ConnectionError, aiohttp.ClientError)
# Failures before anything was sent: the next upstream of the model may be tried. Not
# ``ServerDisconnectedError``: aiohttp raises it when the connection closes after the request was
# written, so the upstream may have run it (aiohttp itself re-sends only idempotent methods).
_UNREACHABLE: tuple[type[Exception], ...] = (UpstreamUnreachable, aiohttp.ClientConnectorError,
                                             aiohttp.ConnectionTimeoutError)
# An idle pooled stream connection is dropped after this long, below the 5 s keep-alive of most
# inference servers, so a request rarely meets a connection the upstream is closing (see http1.py).
_STREAM_KEEPALIVE_S = 2.0


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    settings: ModelSettings

    @property
    def upstream_model(self) -> str:
        return self.settings.upstream_model or self.name


class UpstreamPool:
    def __init__(self, models: Mapping[str, ModelSettings]) -> None:
        self.routes = {name: Route(name, m) for name, m in models.items()}
        self._session: aiohttp.ClientSession | None = None
        self._lean = Http1Pool()

    def route(self, model: str) -> Route | None:
        return self.routes.get(model)

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=0, limit_per_host=256, keepalive_timeout=_STREAM_KEEPALIVE_S,
                                             ttl_dns_cache=300, enable_cleanup_closed=True)
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False,
                                                  skip_auto_headers=("User-Agent",))
        return self._session

    async def send(self, route: Route, path: str, body: bytes,
                   stream: bool = False) -> aiohttp.ClientResponse | UpstreamReply:
        """POST ``body`` to ``path`` on the first reachable upstream of ``route``: a stream through
        aiohttp (relayed as it comes), a whole reply through the lean client.

        The caller must release the response. Raises GatewayError 502 (unreachable or failed) or 504 (timeout).
        """
        last_error = "no upstream configured"
        for up in route.settings.upstreams:
            url = up.base_url.rstrip("/") + path
            try:
                if stream:
                    return await self.session().post(
                        url, data=body, headers=_headers(up),
                        timeout=aiohttp.ClientTimeout(total=None, connect=up.connect_timeout_s, sock_read=up.timeout_s))
                return await self._lean.post(url, body, _headers(up), up.connect_timeout_s, up.timeout_s)
            except _UNREACHABLE as exc:
                # The lean client's message names the OS error; aiohttp's would name the upstream host.
                last_error = str(exc) if isinstance(exc, UpstreamUnreachable) else type(exc).__name__
                continue
            except TimeoutError as exc:
                raise GatewayError(504, "The upstream model server timed out.", "upstream_timeout") from exc
            except READ_ERRORS as exc:
                raise GatewayError(502, "The upstream model server failed.", "upstream_error") from exc
        raise GatewayError(502, f"The upstream model server is unreachable ({last_error}).", "upstream_unreachable")

    async def close(self) -> None:
        self._lean.close()
        if self._session is not None:
            await self._session.close()


def _headers(up: UpstreamSettings) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if up.api_key_env:
        key = os.environ.get(up.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
    return headers
