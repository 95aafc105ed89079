"""Running ASGI apps with uvicorn: in the foreground (``bastion serve``) or in a background thread
(the demo, tests and benchmarks use real HTTP on loopback through this)."""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
import time
from typing import Any

import uvicorn

from bastion.config import Settings
from bastion.gateway.connection import ConnectionLimits, LimitedConfig


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def uvicorn_config(app: Any, host: str, port: int, limits: ConnectionLimits | None = None,
                   **kw: Any) -> uvicorn.Config:
    """uvicorn settings with Bastion's connection limits (gateway/connection.py): ``limits``, else those
    of the app's own settings (the Gateway carries them), else the defaults."""
    if limits is None:
        settings = getattr(app, "settings", None)
        limits = ConnectionLimits.of(settings.server) if isinstance(settings, Settings) else ConnectionLimits()
    return LimitedConfig(app, limits, host=host, port=port, loop="uvloop", lifespan="on", access_log=False,
                         log_level=kw.pop("log_level", "warning"), **kw)


def run(app: Any, host: str, port: int) -> None:
    # Long-lived start-up objects (settings, policy set, guard model) never become garbage: move them out
    # of the collector's way, and collect young objects less often (the hot path allocates many).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    uvicorn.Server(uvicorn_config(app, host, port, log_level="info")).run()


class BackgroundServer:
    """A uvicorn server on its own thread and event loop; ``with BackgroundServer(app) as url: ...``."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port()
        self.server = uvicorn.Server(uvicorn_config(app, host, self.port))
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve())

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> str:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} failed to start")
            time.sleep(0.01)
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
