"""The audit bench runs and prints one JSON object with its targets (figures are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "audit_log.py"


def test_audit_bench_quick_shape() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    names = {t["name"] for t in report["targets"]}
    assert names == {"sqlite_appends_per_s", "postgresql_appends_per_s", "audit_stage_added_p50_ms_c64",
                     "inclusion_proof_p50_ms", "verify_seconds_per_1m_entries", "memory_growth_mb_10m_entries"}
    assert report["verify"]["ok"] is True and report["verify"]["entries"] == report["sqlite"]["appends"]
    assert all(isinstance(t["met"], bool) for t in report["targets"])
    assert report["sqlite"]["durability"] == {"journal_mode": "wal", "synchronous": "FULL"}
    assert report["postgresql"]["durability"]["log_transactions_synchronous_commit"].startswith("on")
    memory = report["memory"]
    assert memory["entries"] >= 20_000 and memory["growth_mb_at_10m_basis"].startswith("EXTRAPOLATED")
