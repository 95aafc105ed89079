"""Regenerate the built-in suites (``bastion/redteam/suites/*.jsonl``) from ``../shared/data``.

``python -m bastion.redteam.build_suites [--data DIR]``. Each output line is
``{"id","prompt","category","source_category","harmful","source"}``; categories are mapped to Bastion's
taxonomy by ``suites.map_category``. Deterministic: the same data gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from bastion.redteam.suites import SUITE_DIR, map_category

DEFAULT_DATA = Path(os.environ.get("BASTION_SHARED_DATA", Path(__file__).resolve().parents[3] / ".." / "shared"
                                   / "data"))


def _csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def _row(pid: str, prompt: str, source_category: str, harmful: bool, source: str,
         category: str | None = None) -> dict[str, Any]:
    prompt = prompt.strip()
    return {"id": pid, "prompt": prompt, "category": category or map_category(source_category, prompt),
            "source_category": source_category, "harmful": harmful, "source": source}


def harmbench(data: Path) -> list[dict[str, Any]]:
    """Standard and contextual behaviours (the context goes before the request); copyright rows are left
    out: reproducing lyrics is not a safety harm Bastion's report is about."""
    out = []
    for r in _csv(data / "harmbench" / "harmbench_behaviors_text_all.csv"):
        if r["FunctionalCategory"] == "copyright":
            continue
        prompt = r["Behavior"]
        if r["FunctionalCategory"] == "contextual" and r["ContextString"].strip():
            prompt = f"{r['ContextString'].strip()}\n\n---\n\n{prompt}"
        out.append(_row(r["BehaviorID"], prompt, r["SemanticCategory"], True, "HarmBench"))
    return out


def advbench(data: Path) -> list[dict[str, Any]]:
    return [_row(f"advbench-{i:03d}", r["goal"], "", True, "AdvBench")
            for i, r in enumerate(_csv(data / "advbench" / "harmful_behaviors.csv"))]


def strongreject(data: Path) -> list[dict[str, Any]]:
    return [_row(f"strongreject-{i:03d}", r["forbidden_prompt"], r["category"], True, "StrongREJECT")
            for i, r in enumerate(_csv(data / "strongreject" / "strongreject_dataset.csv"))]


def jailbreakbench(data: Path) -> list[dict[str, Any]]:
    return [_row(f"jbb-{int(r['index']):03d}", r["goal"], r["category"], True, "JailbreakBench")
            for r in _csv(data / "jailbreakbench" / "harmful-behaviors.csv")]


def jailbreakbench_benign(data: Path) -> list[dict[str, Any]]:
    """The benign twin of each harmful JBB behaviour, filed under the twin's category."""
    return [_row(f"jbb-benign-{int(r['index']):03d}", r["goal"], r["category"], False, "JailbreakBench")
            for r in _csv(data / "jailbreakbench" / "benign-behaviors.csv")]


def _xstest(data: Path, label: str) -> list[dict[str, Any]]:
    out = []
    for r in _csv(data / "xstest" / "xstest_prompts.csv"):
        if r["label"] == label:
            out.append(_row(f"xstest-{int(r['id']):03d}", r["prompt"], r["type"], label == "unsafe", "XSTest"))
    return out


SUITES: dict[str, Callable[[Path], list[dict[str, Any]]]] = {
    "harmbench": harmbench,
    "advbench": advbench,
    "strongreject": strongreject,
    "jailbreakbench": jailbreakbench,
    "jailbreakbench-benign": jailbreakbench_benign,
    "xstest-safe": lambda d: _xstest(d, "safe"),
    "xstest-unsafe": lambda d: _xstest(d, "unsafe"),
}


def build(data: Path, out: Path = SUITE_DIR) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, fn in SUITES.items():
        rows = fn(data)
        (out / f"{name}.jsonl").write_bytes(b"".join(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) + b"\n"
                                                     for r in rows))
        counts[name] = len(rows)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description="Regenerate Bastion's built-in red-team suites.")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    ap.add_argument("--out", type=Path, default=SUITE_DIR)
    a = ap.parse_args()
    for name, n in build(a.data.resolve(), a.out).items():
        print(f"{name}: {n} prompts")


if __name__ == "__main__":
    main()
