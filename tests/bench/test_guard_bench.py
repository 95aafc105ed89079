"""The guard bench runs and prints its targets (figures are reported, not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "guard.py"


def test_guard_bench_quick_shape() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report["designs"]) == {"ngram", "word"}
    assert report["designs"]["ngram"]["xstest"]["n"] == 450
    assert {t["name"] for t in report["targets"]} == {"xstest_f1", "xstest_fpr", "obfuscated_recall",
                                                      "latency_p50_ms", "latency_p99_ms"}
