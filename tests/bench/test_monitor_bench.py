"""The monitor bench runs in quick mode and prints its figures and targets (reported, not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "monitor.py"
ARCHETYPES = {"distiller_cluster", "guard_prober", "key_sharer", "sanctioned_front", "slow_extractor"}
BENIGN = {"chat_app", "coding_agent", "batch_analytics", "researcher"}


def test_monitor_bench_quick_shape() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["targets_judged_on"] == "held_out" and "not evidence about real traffic" in report["note"]
    assert report["validation"]["seed"] != report["held_out"]["seed"]
    for run in (report["validation"], report["held_out"]):
        assert set(run["adversarial"]) == ARCHETYPES and set(run["benign"]) == BENIGN
        for figures in run["adversarial"].values():
            assert 0 <= figures["recall"] <= 1 and figures["accounts"] >= 2
            assert 0 <= figures["within_2000_requests"] <= figures["recall"]
        assert 0 <= run["benign_actioned_share"] <= 1
        assert run["events"] > 1000 and run["engine_events_per_cpu_s"] > 0
    names = {t["name"] for t in report["targets"]}
    assert names == {f"recall_{a}" for a in ARCHETYPES} | {"distiller_cluster_within_2000_requests",
                                                           "benign_actioned_share", "engine_events_per_s_per_core"}
    assert all(set(t) >= {"name", "value", "op", "target", "met"} and t["op"] in ("<=", ">=")
               for t in report["targets"])


def test_monitor_overhead_quick_shape() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--overhead", "--quick"], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["bench"] == "monitor_overhead" and report["requests"] == 2000
    assert 0 < report["added_us_median"] <= report["added_us_p99"]
    assert report["drain_cpu_us_per_event"] > 0
    assert [t["name"] for t in report["targets"]] == ["added_us_per_request_p99"]
