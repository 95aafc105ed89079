"""The gateway overhead bench: ``--quick`` prints one well-formed JSON object; its helpers are right.

Only the shape is checked here, never the figures: speed is the bench's business, not the tests'.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httptools
import pytest
from hypothesis import given
from hypothesis import strategies as st

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import _common  # noqa: E402


def run_quick(*extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCH / "gateway_overhead.py"), "--quick", *extra],
                          capture_output=True, text=True, timeout=300)


def check_point(p: dict[str, Any], concurrency: int) -> None:
    assert p["concurrency"] == concurrency
    # Every request in a point succeeded: the gateway really served the seeded key end to end.
    assert p["errors"] == 0, p
    # Keep-alive held: one connection per simulated user, not one per request.
    assert p["connections"] == concurrency, p
    # The fake upstream counted at least every request the load generator counted (plus warm-up).
    assert p["upstream_served"] >= p["requests"], p
    assert p["requests"] > 0
    assert p["rps"] > 0
    assert 0 < p["p50_ms"] <= p["p99_ms"]


def test_quick_run_prints_one_json_object_with_targets() -> None:
    done = run_quick()
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # the whole of stdout is one object
    assert report["bench"] == "gateway_overhead"
    assert report["setup"]["quick"] is True
    for side in ("direct", "bastion"):
        assert sorted(report["results"][side], key=int) == ["1", "16", "64"]
        for c, p in report["results"][side].items():
            check_point(p, int(c))
    for c in ("1", "16", "64"):
        added = report["added_latency"][c]
        assert set(added) == {"p50_ms", "p99_ms"}
        assert added["p50_ms"] == pytest.approx(
            report["results"]["bastion"][c]["p50_ms"] - report["results"]["direct"][c]["p50_ms"], abs=1e-3)
        assert report["bastion_over_direct_rps"][c] > 0
    names = [t["name"] for t in report["targets"]]
    assert names == ["added_p50_ms_c1", "bastion_over_direct_rps_c64"]
    for t in report["targets"]:
        assert set(t) == {"name", "value", "op", "target", "met"}
        assert t["op"] in ("<=", ">=")
        assert t["met"] == (t["value"] <= t["target"] if t["op"] == "<=" else t["value"] >= t["target"])


def test_peer_that_is_missing_is_reported_not_faked(tmp_path: Path) -> None:
    done = run_quick("--peer", "litellm", "--litellm-bin", str(tmp_path / "no-such-litellm"),
                     "--concurrency", "1,4")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["peer"]["ran"] is False and "litellm" in report["peer"]["reason"]
    assert "litellm" not in report["results"]
    peer_target = report["targets"][-1]
    assert peer_target == {"name": "bastion_over_litellm_rps_c4", "value": None, "op": ">=", "target": 3.0,
                           "met": False}


def test_ceiling_measures_the_bare_proxy_on_the_same_upstream() -> None:
    done = run_quick("--ceiling", "--concurrency", "1,4")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    for c, p in report["results"]["bare_proxy"].items():
        check_point(p, int(c))  # the yardstick really relayed every request to the fake upstream
    ceiling = report["ceiling"]
    for c in ("1", "4"):
        bare, direct, bastion = (report["results"][s][c]["rps"] for s in ("bare_proxy", "direct", "bastion"))
        assert ceiling["bare_proxy_over_direct_rps"][c] == pytest.approx(bare / direct, abs=1e-4)
        assert ceiling["bastion_over_bare_proxy_rps"][c] == pytest.approx(bastion / bare, abs=1e-4)


def test_bad_arguments_fail_with_one_line() -> None:
    done = run_quick("--concurrency", "0")
    assert done.returncode != 0
    assert "concurrency" in done.stderr


# -- helpers -----------------------------------------------------------------------------------


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=200),
       st.floats(min_value=0, max_value=100), st.floats(min_value=0, max_value=100))
def test_percentile_is_a_sample_and_monotone(values: list[float], q1: float, q2: float) -> None:
    s = sorted(values)
    lo, hi = sorted((q1, q2))
    assert _common.percentile(s, lo) in s
    assert _common.percentile(s, lo) <= _common.percentile(s, hi)
    assert _common.percentile(s, 0) == s[0] and _common.percentile(s, 100) == s[-1]


def test_percentile_nearest_rank() -> None:
    s = list(range(1, 101))
    assert _common.percentile(s, 50) == 50
    assert _common.percentile(s, 99) == 99
    with pytest.raises(ValueError):
        _common.percentile([], 50)
    with pytest.raises(ValueError):
        _common.percentile(s, 101)


@given(st.floats(allow_nan=False, allow_infinity=False), st.floats(allow_nan=False, allow_infinity=False))
def test_target_met_follows_op(value: float, goal: float) -> None:
    at_most, at_least = _common.target("x", value, "<=", goal), _common.target("x", value, ">=", goal)
    assert at_most["value"] == at_least["value"] == round(value, 4)
    assert at_most["met"] == (at_most["value"] <= goal)
    assert at_least["met"] == (at_least["value"] >= goal)
    assert at_most["met"] or at_least["met"]
    assert _common.target("x", None, ">=", goal)["met"] is False
    with pytest.raises(ValueError):
        _common.target("x", value, "<", goal)


class _Request:
    def __init__(self) -> None:
        self.url = b""
        self.headers: dict[bytes, bytes] = {}
        self.body = b""
        self.complete = False

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.lower()] = value

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.complete = True


# Names normalised with str.title: two names differing only in case are one HTTP header.
@given(st.binary(max_size=2000), st.dictionaries(st.from_regex(r"X-[A-Za-z]{1,10}", fullmatch=True).map(str.title),
                                                 st.from_regex(r"[ -~]{0,40}", fullmatch=True).map(str.strip),
                                                 max_size=3))
def test_built_request_parses_back(body: bytes, headers: dict[str, str]) -> None:
    host, port, raw = _common.build_request("http://127.0.0.1:8123/v1/chat/completions", body, headers)
    assert (host, port) == ("127.0.0.1", 8123)
    seen = _Request()
    parser = httptools.HttpRequestParser(seen)
    parser.feed_data(raw)
    assert seen.complete and parser.get_method() == b"POST"
    assert seen.url == b"/v1/chat/completions"
    assert seen.body == body
    for k, v in headers.items():
        assert seen.headers[k.lower().encode()] == v.encode()


def test_load_generator_refuses_non_loopback_schemes() -> None:
    with pytest.raises(ValueError):
        _common.build_request("https://example.com/v1", b"{}")
    with pytest.raises(ValueError):
        _common.run_load("http://127.0.0.1:1/", b"{}", concurrency=0)
