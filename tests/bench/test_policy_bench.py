"""The policy bench runs and prints its targets (figures are reported, not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "policy.py"


def test_policy_bench_quick_shape() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert {t["name"] for t in report["targets"]} == {"evaluated_p50_us", "evaluated_p99_us", "cached_p50_us"}
    assert report["orgs"] == 1000 and report["evaluated"]["decisions"] == 2000
