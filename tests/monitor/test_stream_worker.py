"""The monitor end to end on real parts: a served gateway writing to a real Redis Stream, the
``bastion monitor run`` worker (a real subprocess) reading it in a consumer group, cases in
PostgreSQL, actions through the account gate, every action and decision in the audit log."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx
import redis

from bastion.monitor.actions import Actioner, EngineFeed
from bastion.monitor.cases import CaseStore
from bastion.monitor.engine import MonitorEngine
from bastion.monitor.settings import MonitorSettings
from bastion.monitor.wire import encode
from bastion.monitor.worker import StreamWorker
from bastion.store.db import create_engine
from bastion.store.migrate import upgrade_async
from tests.audit.test_gateway_audit import records
from tests.conftest import REDIS_URL
from tests.helpers import running_gateway
from tests.monitor.conftest import T0, event

BASTION = [sys.executable, "-m", "bastion.cli"]
SUBJECTS = ["an organic reaction catalyst", "a python function bug", "an integral proof", "quantum physics momentum",
            "gene expression enzyme", "a clinical trial therapy", "a contract clause court", "a bond yield investment",
            "the roman empire war", "spanish grammar translation", "a short story poem", "a marketing strategy brand",
            "a firewall rule"]
# Low thresholds so that one short test distiller reaches every step; the signals are the defaults.
FAST = {"min_requests": 40, "assess_every": 10,
        "actions": {"review": 0.3, "step_down": 0.4, "throttle": 0.5, "suspend": 0.6}}


def distiller_prompt(i: int) -> str:
    return (f"Explain in depth {SUBJECTS[i % len(SUBJECTS)]} case {i}, reason step by step and show all your "
            "reasoning before the final answer.")


def long_answer(body: dict[str, Any]) -> str:
    return " ".join(["word"] * 600)  # 600 completion tokens for a 25-token prompt


def worker_env(gw: Any, db_url: str, stream: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("BASTION_CONFIG", None)
    env.update(BASTION_DATABASE_URL=db_url, BASTION_SERVER_SECRET=gw.settings.server.server_secret,
               BASTION_AUDIT__SIGNING_KEY_FILE=str(gw.settings.audit.signing_key_file),
               BASTION_MONITOR__REDIS_URL=REDIS_URL, BASTION_MONITOR__STREAM=stream,
               BASTION_MONITOR__MIN_REQUESTS="40", BASTION_MONITOR__ASSESS_EVERY="10",
               BASTION_MONITOR__ACTIONS=json.dumps(FAST["actions"]), **extra)
    return env


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([*BASTION, *args], env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def wait_len(r: redis.Redis, stream: str, n: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while r.xlen(stream) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    assert r.xlen(stream) >= n


def test_distiller_through_the_gateway_becomes_a_case_and_is_suspended(pg_url: str) -> None:
    stream = f"test:monitor:{uuid.uuid4().hex}"
    r = redis.Redis.from_url(REDIS_URL)
    try:
        with running_gateway(pg_url, long_answer, monitor={"redis_url": REDIS_URL, "stream": stream, **FAST}) as gw:
            key, org = gw.keys["active"], gw.orgs["active"]["id"]
            with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
                for i in range(60):
                    resp = c.post(gw.v1 + "/chat/completions", json={
                        "model": "demo-model", "messages": [{"role": "user", "content": distiller_prompt(i)}]})
                    assert resp.status_code == 200, resp.text
            wait_len(r, stream, 60)
            env = worker_env(gw, pg_url, stream)
            out = cli(["monitor", "run", "--once", "--consumer", "w1"], env)
            assert "60 events" in out.stderr
            listed = [json.loads(line) for line in cli(["monitor", "cases", "--org", org], env).stdout.splitlines()]
            assert len(listed) == 1 and listed[0]["action"] == "suspend" and listed[0]["status"] == "open"
            case = json.loads(cli(["monitor", "show", listed[0]["id"]], env).stdout)
            assert [c["id"] for c in json.loads(cli(["monitor", "show", org], env).stdout)] == [case["id"]]
            names = {s["name"] for s in case["signals"]}
            assert {"cot_elicitation", "long_answers", "topic_sweep"} <= names
            assert [a["action"] for a in case["applied"]][-1] == "suspend"
            # The account gate refuses the org's next request (its cache holds an org for <= 2 s).
            deadline, status = time.monotonic() + 10, 0
            while time.monotonic() < deadline:
                resp = httpx.post(gw.v1 + "/chat/completions", headers={"Authorization": f"Bearer {key}"},
                                  json={"model": "demo-model", "messages": [{"role": "user", "content": "hi"}]},
                                  timeout=30)
                status = resp.status_code
                if status == 403:
                    assert resp.json()["error"]["code"] == "org_suspended"
                    break
                time.sleep(0.3)
            assert status == 403
            # An analyst's decision, with their name, in the audit log.
            decided = json.loads(cli(["monitor", "decide", case["id"], "--outcome", "confirmed",
                                      "--reason", "templated CoT sweep", "--analyst", "A. Analyst"], env).stdout)
            assert decided["status"] == "confirmed" and decided["analyst"] == "A. Analyst"
        admin = [x for x in records(pg_url) if x.get("kind") == "admin" and x["action"].startswith("monitor.")]
        actions = [x["action"] for x in admin]
        assert actions[0] == "monitor.case_opened" and "monitor.suspend" in actions
        assert actions[-1] == "monitor.case_decided"
        assert admin[-1]["details"]["analyst"] == "A. Analyst"
        assert all(x["details"]["org_id"] == org for x in admin)
        assert cli(["audit", "verify"], worker_env(gw, pg_url, stream)).stdout.startswith("OK")
    finally:
        r.delete(stream)
        r.close()


def test_a_consumer_killed_before_xack_has_its_events_reclaimed(sqlite_url: str) -> None:
    stream = f"test:monitor:{uuid.uuid4().hex}"
    ms = MonitorSettings(stream=stream, claim_idle_ms=0, redis_url=REDIS_URL)

    async def go() -> tuple[int, int, list[Any]]:
        import redis.asyncio as aioredis

        await upgrade_async(sqlite_url)
        engine = create_engine(sqlite_url)
        client = aioredis.from_url(REDIS_URL)
        try:
            for i in range(30):
                await client.xadd(stream, {"e": encode(event(T0 + i, f"question {i}", org=f"org_{i % 3}"))})
            await client.xgroup_create(stream, ms.group, id="0")
            # Consumer "dead" takes every event and dies before XACK: they stay pending on it.
            taken = await client.xreadgroup(ms.group, "dead", {stream: ">"}, count=100)
            assert sum(len(b) for _, b in taken) == 30
            pending_before = (await client.xpending(stream, ms.group))["pending"]

            async def no_audit(action: str, actor: str, details: dict[str, Any]) -> None:
                return None

            feed = EngineFeed(MonitorEngine(ms), Actioner(ms, CaseStore(engine), None, no_audit))
            worker = StreamWorker(client, ms, "alive", feed)
            n = await worker.drain()
            pending_after = (await client.xpending(stream, ms.group))["pending"]
            seen = sorted(feed.engine.account(f"org_{k}").n for k in range(3))  # type: ignore[union-attr]
            return pending_before, pending_after, [n, worker.reclaimed, seen]
        finally:
            await client.delete(stream)
            await client.aclose()
            await engine.dispose()

    before, after, (n, reclaimed, seen) = asyncio.run(go())
    assert before == 30 and reclaimed == 30 and n == 30
    assert after == 0  # all acknowledged by the live consumer
    assert seen == [10, 10, 10]


def test_two_workers_in_one_group_share_the_stream(sqlite_url: str) -> None:
    stream = f"test:monitor:{uuid.uuid4().hex}"
    ms = MonitorSettings(stream=stream, redis_url=REDIS_URL, batch=8)

    async def go() -> tuple[int, int, int, set[str]]:
        import redis.asyncio as aioredis

        await upgrade_async(sqlite_url)
        engine = create_engine(sqlite_url)
        client = aioredis.from_url(REDIS_URL)

        async def no_audit(action: str, actor: str, details: dict[str, Any]) -> None:
            return None

        try:
            for i in range(40):
                await client.xadd(stream, {"e": encode(event(T0 + i, f"question {i}", org=f"org_{i}"))})
            workers = [StreamWorker(client, ms, name, EngineFeed(MonitorEngine(ms),
                                                                 Actioner(ms, CaseStore(engine), None, no_audit)))
                       for name in ("w1", "w2")]
            for w in workers:
                await w.ensure_group()
            while sum([await w.read(None) for w in workers]) > 0:  # alternate, one batch each
                pass
            seen = [{org for org in (f"org_{i}" for i in range(40)) if w.feed.engine.account(org)} for w in workers]
            pending = (await client.xpending(stream, ms.group))["pending"]
            return workers[0].processed, workers[1].processed, pending, seen[0] & seen[1]
        finally:
            await client.delete(stream)
            await client.aclose()
            await engine.dispose()

    a, b, pending, both = asyncio.run(go())
    assert (a, b, pending) == (24, 16, 0)  # batches of 8, taken in turn: 3 to w1, 2 to w2
    assert both == set()  # each event went to exactly one worker
