"""The test suite's own guard cases (``cases/*.jsonl``). They are evaluation text: the training data is
decontaminated against every line here (training/guard/decontaminate.py)."""

from __future__ import annotations

import json
from pathlib import Path

CASES = Path(__file__).with_name("cases")


def load(name: str) -> list[tuple[str, str | None]]:
    rows = [json.loads(line) for line in (CASES / f"{name}.jsonl").read_text().splitlines() if line.strip()]
    return [(r["text"], r["label"]) for r in rows]
