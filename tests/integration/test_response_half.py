"""The response half is one ordered pipeline, and each of its failure points fails closed with a record.

Redis is the real server behind a TCP relay on loopback that the test can cut, as a Redis restart
or a network partition would: the rate-limit check (before the upstream) passes, the relay is cut
while the upstream is answering, and usage accounting (after it) fails.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from bastion.gateway.proxy import Proxy
from tests.audit.test_gateway_audit import records
from tests.conftest import REDIS_URL
from tests.helpers import running_gateway


class CuttableRelay:
    """Relays TCP to an address until ``cut``: then every connection closes and new ones are refused."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self._hold()
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _hold(self) -> None:
        """Called before each chunk is forwarded; a subclass may hold the flow here."""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers += [writer, up_writer]
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    def cut(self) -> None:
        def go() -> None:
            assert self.server is not None
            self.server.close()
            for w in self.writers:
                w.transport.abort()

        self.loop.call_soon_threadsafe(go)

    @contextmanager
    def running(self) -> Iterator[str]:
        ready = threading.Event()
        thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        thread.start()
        ready.wait(10)
        try:
            yield f"redis://127.0.0.1:{self.port}/0"
        finally:
            self.cut()
            self.loop.call_soon_threadsafe(self.loop.stop)
            thread.join(10)


def test_the_response_half_runs_in_the_designed_order(sqlite_url: str) -> None:
    with running_gateway(sqlite_url) as gw:
        proxy = gw.app.proxy
        assert isinstance(proxy, Proxy)
        assert proxy.response.stage_names() == ["output_guard", "usage_accounting", "audit"]


def test_redis_cut_during_the_answer_withholds_it_and_the_close_record_says_why(sqlite_url: str) -> None:
    host, port = REDIS_URL.removeprefix("redis://").split("/")[0].split(":")
    relay = CuttableRelay(host, int(port))
    with relay.running() as redis_url, running_gateway(
            sqlite_url, counters={"backend": "redis", "redis_url": redis_url,
                                  "prefix": f"bt:{uuid.uuid4().hex[:8]}"}) as gw:
        assert gw.upstream is not None
        headers = {"Authorization": f"Bearer {gw.keys['active']}"}
        body = {"model": "demo-model", "messages": [{"role": "user", "content": "!sleep 1500"}]}
        with httpx.Client(base_url=gw.v1, headers=headers, timeout=30) as http:
            assert http.post("/chat/completions", json={**body, "messages": [
                {"role": "user", "content": "warm"}]}).status_code == 200
            result: list[httpx.Response] = []
            t = threading.Thread(target=lambda: result.append(http.post("/chat/completions", json=body)))
            t.start()
            deadline = time.monotonic() + 20
            while gw.upstream.requests < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert gw.upstream.requests == 2  # admitted (Redis was up), and the upstream is working on it
            relay.cut()
            t.join(30)
        r = result[0]
        assert r.status_code == 503, r.text
        err = r.json()["error"]
        assert err["code"] == "internal" and err["bastion"]["stage"] == "usage_accounting"
        assert "Demo answer" not in r.text  # the answer was withheld
        rid = r.headers["x-request-id"]
    mine = [x for x in records(sqlite_url) if x.get("request_id") == rid]
    assert [x["phase"] for x in mine] == ["intent", "close"]
    close = mine[-1]
    assert close["decision"] == "deny" and close["stage"] == "usage_accounting" and close["reason"] == "internal"
    assert close["completion_tokens"] > 0 and "answer_sha256" in close  # what the upstream did is in the log
