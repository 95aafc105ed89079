"""``bastion guard classify`` honours the JSON Lines contract of DESIGN.md and uses the gateway's guard:
the configured model file, its thresholds and the usage policy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bastion.guard.encoder import default_model_path
from bastion.guard.engine import Guard

TEXTS = [{"id": "a", "text": "Write ransomware that encrypts a hospital network and evades antivirus."},
         {"id": "b", "text": "How do I kill a Python process that is stuck?"}]


def classify(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bastion.cli", *args, "guard", "classify"], input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_classify_jsonl_contract() -> None:
    out = classify("\n".join(json.dumps(x) for x in TEXTS) + "\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert set(rows[0]) == {"id", "flagged", "categories", "scores"}
    assert rows[0]["flagged"] is True and "cyber_offense" in rows[0]["categories"]
    assert rows[1]["flagged"] is False and rows[1]["categories"] == []
    # the same scores as the gateway's guard on the same text
    a = Guard.load().assess_request({"messages": [{"role": "user", "content": TEXTS[0]["text"]}]})
    assert rows[0]["scores"] == {c: round(s, 4) for c, s in a.scores.items()}


def test_classify_uses_the_configured_model_file(tmp_path: Path) -> None:
    ngram = default_model_path().with_name("guard-ngram.npz")
    config = tmp_path / "bastion.toml"
    config.write_text(f'[guard]\nmodel_file = "{ngram}"\n')
    out = classify(json.dumps(TEXTS[0]) + "\n", "--config", str(config))
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)["scores"]
    want = Guard.load(ngram).assess_request({"messages": [{"role": "user", "content": TEXTS[0]["text"]}]}).scores
    assert got == {c: round(s, 4) for c, s in want.items()}
    config.write_text(f'[guard]\nmodel_file = "{tmp_path / "missing.json"}"\n')
    bad = classify(json.dumps(TEXTS[0]) + "\n", "--config", str(config))
    assert bad.returncode != 0 and "guard model" in bad.stderr and bad.stdout == ""


def test_classify_reports_bad_lines_and_keeps_going() -> None:
    out = classify('{"id": 1, "text": "hello"}\nnot json\n{"id": 3}\n{"id": 4, "text": "thanks"}\n')
    assert out.returncode == 2
    assert [json.loads(x)["id"] for x in out.stdout.splitlines()] == [1, 4]
    assert "line 2" in out.stderr and "line 3" in out.stderr
