"""The vault bench runs and prints its targets (figures are reported, not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "vault.py"


def test_vault_bench_quick_shape() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert {t["name"] for t in report["targets"]} == {"seal_gb_per_s", "unseal_verify_gb_per_s", "max_rss_mb"}
    assert report["bytes"] == 256 * 1024 * 1024
