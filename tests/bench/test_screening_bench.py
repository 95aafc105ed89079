"""The screening bench runs on a small sample and prints one JSON object with its targets, the
validation and evaluation splits reported apart (figures are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "screening.py"


def test_screening_bench_quick_shape() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert {t["name"] for t in report["targets"]} == {
        "sdn_queries_per_s", "eval_variant_recall", "eval_clean_false_hit_rate",
        "eval_hard_negative_false_hit_rate", "eval_real_alias_recall"}
    for split in ("validation", "evaluation"):
        fig = report[split]
        assert set(fig["false_hit_rate_by_kind"]) == {"clean", "near_name", "same_surname", "same_given_names",
                                                      "shared_org_token"}
        assert fig["cases"]["variants"] > 0 and fig["cases"]["aliases"] > 0
    assert 0.5 < report["thresholds"]["review_chosen_on_validation"] < 1
