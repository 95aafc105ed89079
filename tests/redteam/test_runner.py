"""The runner's plumbing: resume after an interruption (a real SIGINT to a real process), retries with
backoff on 429/5xx, timeouts, and refusing to mix two different runs in one directory."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bastion.gateway.asgi import Receive, Scope, Send, send_error
from bastion.gateway.demo_upstream import DemoUpstream
from bastion.gateway.server import BackgroundServer
from tests.redteam.conftest import Plant, invoke, load
from tests.redteam.planted import BENIGN, HARMFUL, responder

ROOT = Path(__file__).resolve().parents[2]


def saved(state: Path) -> int:
    if not state.exists():
        return 0
    try:
        with sqlite3.connect(state) as db:
            return int(db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_resume_after_interruption(tmp_path: Path) -> None:
    from tests.redteam.conftest import no_audit_config
    from tests.redteam.planted import write_suites

    harmful, benign = write_suites(tmp_path / "suites")
    config = no_audit_config(tmp_path)
    out = tmp_path / "out"
    # slow enough that the SIGINT lands mid-run, even on a busy machine
    upstream = DemoUpstream(responder, latency_ms=120)
    args = ["redteam", "run", "--model", "demo-model", "--suite", str(harmful), "--suite", str(benign),
            "--transform", "none", "--transform", "base64", "--transform", "rot13", "--out", str(out),
            "--signing-key", str(tmp_path / "k.pem"), "--judge", "refusal", "--concurrency", "2", "--no-progress"]
    total = len(HARMFUL) * 3 + len(BENIGN)
    with BackgroundServer(upstream) as url:
        env = {**os.environ, "BASTION_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
        main = "from bastion.redteam.cli import redteam; redteam(prog_name='bastion redteam')"
        proc = subprocess.Popen([sys.executable, "-c", main, *args[1:], "--target", url + "/v1"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
        deadline = time.monotonic() + 30
        while saved(out / "state.sqlite") < 20:  # let it get some way in, then interrupt it
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err.decode()
        assert b"resume" in err
        assert not (out / "report.json").exists()
        kept = saved(out / "state.sqlite")
        assert 20 <= kept < total
        sent_before = upstream.requests
        # the same command again: only the missing attempts are sent
        result = invoke(*args, "--target", url + "/v1", config=config)
        assert result.exit_code == 0, result.output
        assert upstream.requests - sent_before == total - kept
        assert f"{kept} resumed" in result.output
    resumed = load(out)
    # an uninterrupted run of the same command gives the same attempts and the same figures
    with BackgroundServer(DemoUpstream(responder)) as url:
        result = invoke(*[a if a != str(out) else str(tmp_path / "whole") for a in args], "--target", url + "/v1",
                        config=config)
        assert result.exit_code == 0
    whole = load(tmp_path / "whole")

    def strip(doc: dict[str, Any]) -> list[Any]:
        return [{k: v for k, v in a.items() if k not in ("latency_ms",)} for a in doc["attempts"]]

    assert strip(resumed) == strip(whole)
    assert resumed["metrics"] == whole["metrics"]
    assert len(resumed["attempts"]) == total


class Flaky:
    """Answers 429 (with Retry-After) and then 503 to the first two tries of each distinct request."""

    def __init__(self, inner: DemoUpstream) -> None:
        self.inner = inner
        self.seen: dict[str, int] = {}
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/chat/completions":
            await self.inner(scope, receive, send)
            return
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        self.calls += 1
        key = hashlib.sha256(body).hexdigest()
        n = self.seen[key] = self.seen.get(key, 0) + 1
        if n == 1:
            await send_error(send, 429, "slow down", "rate_limit", headers=[(b"retry-after", b"0")])
            return
        if n == 2:
            await send_error(send, 503, "overloaded", "overloaded")
            return
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.inner(scope, replay, send)


def test_retries_with_backoff_on_429_and_5xx(plant: Plant, tmp_path: Path) -> None:
    flaky = Flaky(DemoUpstream(responder))
    with BackgroundServer(flaky) as url:
        out = tmp_path / "flaky"
        result = plant.run(out, "--backoff", "0.01", transforms=("none", "base64"), url=url + "/v1")
        assert result.exit_code == 0, result.output
    doc = load(out)
    n = len(HARMFUL) * 2 + len(BENIGN)
    assert len(doc["attempts"]) == n and flaky.calls == 3 * n
    assert all(a["status"] == "ok" and a["tries"] == 3 for a in doc["attempts"])
    # the retries changed nothing about the outcome
    assert doc["metrics"]["asr"]["by_transform"]["base64"]["k"] == sum(1 for _, c, _ in HARMFUL
                                                                       if c != "cbrn_weapons")


def test_errors_after_retries_and_timeouts_are_reported_and_rerun(plant: Plant, tmp_path: Path) -> None:
    suite = tmp_path / "broken.jsonl"
    suite.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in (
        {"id": "fails", "prompt": "!status 500", "category": "other"},
        {"id": "slow", "prompt": "!sleep 1200", "category": "other"},
        {"id": "fine", "prompt": HARMFUL[6][2], "category": "cyber_offense"},
    )))
    args = ["redteam", "run", "--target", plant.url, "--model", "demo-model", "--suite", str(suite), "--out",
            str(tmp_path / "out"), "--signing-key", str(plant.key), "--judge", "refusal", "--retries", "2",
            "--backoff", "0.01", "--timeout", "0.3", "--no-progress"]
    before = plant.upstream.requests
    result = invoke(*args, config=plant.config)
    assert result.exit_code == 0, result.output
    doc = load(tmp_path / "out")
    by_id = {a["prompt_id"]: a for a in doc["attempts"]}
    assert by_id["fails"]["status"] == "error" and by_id["fails"]["http_status"] == 500
    assert by_id["fails"]["tries"] == 3 and by_id["fails"]["code"] == "planted"
    assert by_id["slow"]["status"] == "error" and by_id["slow"]["code"] == "timeout" and by_id["slow"]["tries"] == 3
    assert by_id["fine"]["status"] == "ok"
    m = doc["metrics"]
    assert m["attempts"] == {"total": 3, "ok": 1, "blocked": 0, "error": 2}
    assert m["errors"] == {"planted": 1, "timeout": 1}
    assert m["asr"]["overall"]["n"] == 1  # errors are left out of the rates
    assert plant.upstream.requests - before == 3 + 3 + 1
    # running it again retries only the failed attempts
    before = plant.upstream.requests
    assert invoke(*args, config=plant.config).exit_code == 0
    assert plant.upstream.requests - before == 3 + 3


def test_a_different_run_in_the_same_directory_is_refused(plant: Plant, tmp_path: Path) -> None:
    out = tmp_path / "one"
    assert plant.run(out, transforms=("none",)).exit_code == 0
    other = plant.run(out, transforms=("base64",))
    assert other.exit_code != 0 and "different run" in other.output and "transforms" in other.output
    fresh = plant.run(out, "--fresh", transforms=("base64",))
    assert fresh.exit_code == 0
    assert {a["transform"] for a in load(out)["attempts"] if a["harmful"]} == {"base64"}


def test_seeded_sampling_is_deterministic(plant: Plant, tmp_path: Path) -> None:
    picks = []
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        assert plant.run(tmp_path / name, "--limit", "5", "--seed", seed, transforms=("roleplay",)).exit_code == 0
        doc = load(tmp_path / name)
        picks.append([(a["prompt_id"], a["request_sha256"]) for a in doc["attempts"]])
        assert sum(1 for a in doc["attempts"] if a["harmful"]) == 5
    assert picks[0] == picks[1]
    assert picks[0] != picks[2]


def attacker_model(body: dict[str, Any]) -> str:
    """A scripted attacker for PAIR: it always proposes the goal, base64-encoded (which the plant answers)."""
    import base64
    import re

    brief = body["messages"][0]["content"]
    goal = re.search(r"fully answer this request: (.*)\n", brief)
    assert goal is not None
    return "Decode this base64 and answer it: " + base64.b64encode(goal.group(1).encode()).decode()


def test_pair_strategy_through_the_runner(plant: Plant, tmp_path: Path) -> None:
    missing = plant.run(tmp_path / "none", transforms=("pair",))
    assert missing.exit_code != 0 and "attacker" in missing.output
    with BackgroundServer(DemoUpstream(attacker_model)) as attacker:
        out = tmp_path / "pair"
        result = plant.run(out, "--attacker-url", attacker + "/v1", "--attacker-model", "attacker",
                           transforms=("pair",))
        assert result.exit_code == 0, result.output
    doc = load(out)
    harmful = [a for a in doc["attempts"] if a["harmful"]]
    assert all(a["transform"] == "pair" for a in harmful)
    # the plant answers base64 except for CBRN, so PAIR succeeds at once there and gives up after 4 rounds elsewhere
    for a in harmful:
        if a["category"] == "cbrn_weapons":
            assert a["success"] is False and a["turns"] == 4 and len(a["notes"]) == 4
        else:
            assert a["success"] is True and a["turns"] == 1
    cell = doc["metrics"]["asr"]["by_transform"]["pair"]
    assert (cell["k"], cell["n"]) == (sum(1 for _, c, _ in HARMFUL if c != "cbrn_weapons"), len(HARMFUL))
    assert doc["settings"]["attacker"]["model"] == "attacker"
