"""The console bench runs in --quick mode and prints one JSON object with per-page figures and targets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "console.py"


def test_console_bench_quick_shape() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--quick", "--orgs", "2000", "--repeat", "3"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["audit_entries"] == 20_000 and report["orgs"] == 2000 and report["open_hits"] == 1000
    assert set(report["seed"]) == {"orgs_s", "audit_s", "index_build_s"}
    pages = report["pages"]
    for name in ("overview", "orgs", "org", "screening", "screening_filtered", "audit", "audit_org",
                 "audit_reason", "audit_time", "users"):
        assert pages[name]["p50_ms"] <= pages[name]["p99_ms"] and pages[name]["n"] == 3, name
    names = {t["name"] for t in report["targets"]}
    assert "console_page_p99_ms_max" in names and all(f"page_{k}_p99_ms" in names for k in pages
                                                      if "p99_ms" in pages[k])
    assert all(isinstance(t["met"], bool) and t["target"] == 300.0 for t in report["targets"])
