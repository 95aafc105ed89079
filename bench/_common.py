"""Shared bench helpers: the ``targets`` list, percentiles, child processes, a loopback load generator.

The load generator is a bare HTTP/1.1 keep-alive client on uvloop (httptools parses the replies):
one connection per simulated user, each sending the same pre-encoded request as soon as the last
reply is complete (closed loop). It costs far less CPU per request than an aiohttp client, which
matters on a 2-core machine where it shares the cores with the servers it measures.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

import httptools

# -- the targets list (DESIGN.md: "Benchmarks in bench/") ------------------------------------------


def target(name: str, value: float | None, op: str, goal: float, **extra: Any) -> dict[str, Any]:
    """One ``targets`` entry; a missing value (not measured) never counts as met."""
    if op not in ("<=", ">="):
        raise ValueError(f"op must be '<=' or '>=', not {op!r}")
    shown = None if value is None else round(value, 4)
    # Judge the value as shown, so that every entry is consistent with itself.
    met = shown is not None and (shown <= goal if op == "<=" else shown >= goal)
    return {"name": name, "value": shown, "op": op, "target": goal, "met": met, **extra}


def emit(report: dict[str, Any]) -> None:
    """Print the bench's one JSON object (and nothing else) on stdout."""
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    sys.stdout.flush()


# -- percentiles -----------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of already sorted values, nearest-rank (no interpolation).

    Nearest rank reports a latency some request really had, which is what a p99 should mean.
    """
    if not sorted_values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be in [0, 100], not {q}")
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


# -- child processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_http(url: str, timeout_s: float = 30.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Poll ``url`` until it answers any HTTP status; fail early if ``proc`` died."""
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with status {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered: up
        except OSError as exc:
            last = exc
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout_s:.0f} s ({last})")


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """Ask a child to stop (SIGTERM), then kill it if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def pin(pid: int, cpus: set[int] | None) -> None:
    """Restrict a process to ``cpus`` (no-op when None or unsupported)."""
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(pid, cpus)


# -- the load generator ----------------------------------------------------------------------------


@dataclass
class LoadResult:
    concurrency: int
    duration_s: float
    latencies_ns: list[int] = field(default_factory=list)
    errors: int = 0
    connections: int = 0  # opened; equal to concurrency when keep-alive held throughout
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return len(self.latencies_ns)

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ns)
        out: dict[str, Any] = {"concurrency": self.concurrency, "requests": self.ok, "errors": self.errors,
                               "connections": self.connections,
                               "rps": round(self.ok / self.duration_s, 1) if self.duration_s else 0.0}
        if lat:
            out["p50_ms"] = round(percentile(lat, 50) / 1e6, 3)
            out["p99_ms"] = round(percentile(lat, 99) / 1e6, 3)
        else:
            out["p50_ms"] = out["p99_ms"] = None
        if self.errors:
            out["statuses"] = {str(k): v for k, v in sorted(self.statuses.items())}
        return out


def build_request(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[str, int, bytes]:
    """(host, port, raw HTTP/1.1 POST request bytes) for ``url``."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"the load generator speaks plain http to loopback only, not {url!r}")
    port = parts.port or 80
    path = parts.path or "/"
    lines = [f"POST {path} HTTP/1.1", f"Host: {parts.hostname}:{port}", "Content-Type: application/json",
             f"Content-Length: {len(body)}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return parts.hostname, port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Client(asyncio.Protocol):
    """One keep-alive connection that completes a future per full response."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.done: asyncio.Future[int] | None = None
        self.lost = False
        self.keep_alive = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def on_headers_complete(self) -> None:
        # llhttp forgets this once the message is complete, so read it while the headers are fresh.
        self.keep_alive = self.parser.should_keep_alive()

    def on_message_complete(self) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_result(self.parser.get_status_code())

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self._fail(exc or ConnectionResetError("server closed the connection"))

    def _fail(self, exc: BaseException) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_exception(exc)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def request(self, raw: bytes) -> asyncio.Future[int]:
        assert self.transport is not None
        self.done = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return self.done


async def _user(host: str, port: int, raw: bytes, warm_until: float, end: float, result: LoadResult) -> None:
    loop = asyncio.get_running_loop()
    client: _Client | None = None
    while (started := time.perf_counter()) < end:
        if client is None or client.lost:
            _, client = await loop.create_connection(_Client, host, port)
            result.connections += 1
        start_ns = time.perf_counter_ns()
        try:
            status = await client.request(raw)
        except (OSError, httptools.HttpParserError):
            result.errors += 1
            client = None
            continue
        elapsed = time.perf_counter_ns() - start_ns
        if not client.keep_alive:
            client.close()
            client = None
        if started < warm_until:
            continue
        if 200 <= status < 300:
            result.latencies_ns.append(elapsed)
        else:
            result.errors += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
    if client is not None:
        client.close()


async def _load(url: str, body: bytes, headers: dict[str, str] | None, concurrency: int, duration_s: float,
                warmup_s: float) -> LoadResult:
    host, port, raw = build_request(url, body, headers)
    start = time.perf_counter()
    warm_until, end = start + warmup_s, start + warmup_s + duration_s
    result = LoadResult(concurrency, duration_s)
    await asyncio.gather(*(_user(host, port, raw, warm_until, end, result) for _ in range(concurrency)))
    return result


def run_load(url: str, body: bytes, *, headers: dict[str, str] | None = None, concurrency: int = 1,
             duration_s: float = 5.0, warmup_s: float = 1.0) -> LoadResult:
    """Closed-loop load: ``concurrency`` keep-alive connections POST ``body`` to ``url`` back to back.

    Requests that start during the first ``warmup_s`` seconds are not counted; throughput is the
    number of 2xx replies that started in the measured window, divided by its length.
    """
    if concurrency < 1 or duration_s <= 0 or warmup_s < 0:
        raise ValueError("concurrency must be >= 1, duration_s > 0 and warmup_s >= 0")
    try:
        import uvloop

        return uvloop.run(_load(url, body, headers, concurrency, duration_s, warmup_s))
    except ImportError:
        return asyncio.run(_load(url, body, headers, concurrency, duration_s, warmup_s))
