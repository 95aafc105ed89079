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


def test_screening_bench_scale_mode_shape() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--scale", "3000"], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["bench"] == "screening-scale" and report["entries"] == 3000
    assert "synthetic" in report["synthetic"]
    assert report["p50_ms"] <= report["p99_ms"] and report["index_mb"] > 0 and report["peak_rss_mb"] > 0
    assert [t["name"] for t in report["targets"]] == ["scale_p99_ms"]


def test_real_part_entries_use_the_lists_parts(shared_data: Path) -> None:
    sys.path.insert(0, str(BENCH.parent))
    import screening  # the bench module

    from bastion.diligence.screening.loaders import load_list

    sdn = load_list(shared_data / "sanctions" / "ofac-sdn-2021")
    made = screening.real_part_entries(sdn, 500)
    assert len(made) == 500 and all(e.list_id == "synthetic" for e in made)
    listed_words = {w for e in sdn for w in e.names[0].replace(",", " ").split()}
    persons = [e for e in made if e.kind == "person"]
    assert persons and all(set(e.names[0].split()) <= listed_words for e in persons)
    assert all(e.surnames and e.names[0].endswith(e.surnames[0]) for e in persons)
    assert screening.real_part_entries(sdn, 50) == screening.real_part_entries(sdn, 50)  # deterministic
