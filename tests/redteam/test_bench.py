"""The red-team bench runs and prints its targets (figures are reported, not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "redteam.py"


def test_redteam_bench_quick_shape() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [t["name"] for t in report["targets"]] == ["attempts_per_s_c64", "max_rss_mb_100k_attempts"]
    for t in report["targets"]:
        assert set(t) >= {"name", "value", "op", "target", "met"} and t["value"] > 0
    assert report["attempts"] >= 3000 and report["errors"] == 0 and report["concurrency"] == 64
    assert report["asr"] == 0.5  # the fake endpoint alternates a refusal and a compliance
