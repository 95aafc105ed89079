"""The gateway's monitor events through a real served gateway: to a real Redis Stream, fingerprints
only; and a monitor that is down or saturated never fails a request."""

from __future__ import annotations

import uuid

import httpx
import redis

from bastion.monitor.metrics import DROPPED
from bastion.monitor.wire import decode
from tests.conftest import REDIS_URL
from tests.helpers import running_gateway

SECRET_WORDS = "zebra-quartz-unique-marker"


def _ask(gw, key: str, text: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.post(gw.v1 + "/chat/completions", headers={"Authorization": f"Bearer {key}"},
                      json={"model": "demo-model", "messages": [{"role": "user", "content": text}]}, timeout=20)


def _wait_len(r: redis.Redis, stream: str, n: int, timeout_s: float = 15.0) -> int:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = r.xlen(stream)
        if got >= n:
            return int(got)
        time.sleep(0.05)
    return int(r.xlen(stream))


def test_events_reach_the_stream_as_fingerprints(sqlite_url: str) -> None:
    stream = f"test:monitor:{uuid.uuid4().hex}"
    r = redis.Redis.from_url(REDIS_URL)
    try:
        with running_gateway(sqlite_url, monitor={"redis_url": REDIS_URL, "stream": stream}) as gw:
            for i in range(3):
                assert _ask(gw, gw.keys["active"], f"Tell me about {SECRET_WORDS} number {i}").status_code == 200
            assert _ask(gw, gw.keys["suspended"], f"{SECRET_WORDS} refused").status_code == 403
            assert _ask(gw, "sk-wrong", "no principal").status_code == 401
            assert _wait_len(r, stream, 4) == 4  # three allowed, one refused; the unauthenticated one has no org
        entries = r.xrange(stream)
        raw = b"".join(fields[b"e"] for _, fields in entries)
        assert SECRET_WORDS.encode() not in raw and b"Tell me" not in raw
        events = [decode(fields[b"e"]) for _, fields in entries]
        assert [e.decision for e in events].count("deny") == 1
        allowed = [e for e in events if e.decision == "allow"]
        assert {e.org for e in allowed} == {gw.orgs["active"]["id"]}
        assert all(e.fingerprint is not None and e.fingerprint.length > 20 for e in events)
        assert all(e.completion_tokens > 0 for e in allowed)  # from the close record: the outcome is known
        refused = next(e for e in events if e.decision == "deny")
        assert refused.reason == "org_suspended"
    finally:
        r.delete(stream)
        r.close()


def test_monitor_down_never_fails_a_request(sqlite_url: str) -> None:
    before = DROPPED.labels("sink_error")._value.get()
    # Nothing listens on port 1: every publish fails.
    with running_gateway(sqlite_url, monitor={"redis_url": "redis://127.0.0.1:1/0", "batch": 1}) as gw:
        codes = [_ask(gw, gw.keys["active"], f"hello {i}").status_code for i in range(5)]
        assert codes == [200] * 5
        import time

        deadline = time.monotonic() + 10
        while DROPPED.labels("sink_error")._value.get() - before < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        metrics = httpx.get(gw.url + "/metrics", headers=gw.admin_headers, timeout=10).text
    assert DROPPED.labels("sink_error")._value.get() - before >= 5
    assert "bastion_monitor_dropped_total" in metrics


def test_full_queue_drops_and_counts(sqlite_url: str) -> None:
    before = DROPPED.labels("queue_full")._value.get()
    with running_gateway(sqlite_url, monitor={"redis_url": "redis://127.0.0.1:1/0", "queue_size": 1}) as gw:
        task = gw.app.services.monitor.task
        task.get_loop().call_soon_threadsafe(task.cancel)  # nothing drains: the queue stays full after one event
        import time

        time.sleep(0.2)
        codes = [_ask(gw, gw.keys["active"], f"hello {i}").status_code for i in range(4)]
    assert codes == [200] * 4
    assert DROPPED.labels("queue_full")._value.get() - before >= 3
