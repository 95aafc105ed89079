"""The guard bench runs on the shipped design and prints its targets (figures are reported, not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "guard.py"
FRONTIER = ("cbrn_weapons", "cyber_offense", "autonomous_weapons", "mass_surveillance", "influence_operations")


def test_guard_bench_quick_shape() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--quick", "--design", "shipped"],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report["designs"]) == {"shipped"}
    shipped = report["designs"]["shipped"]
    assert shipped["xstest"]["n"] == 450
    assert set(shipped["val_recall_per_category"]) >= set(FRONTIER)
    assert 0.0 <= shipped["val"]["f1"] <= 1.0 and shipped["latency_ms"]["p50"] > 0
    names = {t["name"] for t in report["targets"]}
    assert {"xstest_f1", "xstest_fpr", "val_f1", "val_fpr_same_topic", "obfuscated_recall",
            "padded_minus_plain_recall", "latency_p50_ms", "latency_p99_ms"} <= names
    assert {f"val_recall_{c}" for c in FRONTIER} <= names
    assert all(set(t) >= {"name", "value", "op", "target", "met"} for t in report["targets"])
