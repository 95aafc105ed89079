"""Keep evaluation text out of training.

A training text is *contaminated* when it shares a 6-word shingle with any evaluation text, or when its
similarity to one exceeds 0.8. Similarity is rapidfuzz's Indel ratio, ``2 * LCS / (len(a) + len(b))``:
never below difflib's ``SequenceMatcher.ratio()`` (whose matching blocks are a common subsequence), so
a text that passes here also passes difflib, and the check runs in seconds instead of minutes.

Evaluation sets: XSTest, JailbreakBench behaviours (harmful and benign), SimpleSafetyTests, the eval
wrapper frames, and the test suite's own guard cases (``tests/guard/cases/``). JailbreakBench's artifact
prompts wrap its behaviours, so they fall out here too.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from training.guard.sources import DATA, SHARED, TRAINING

SHINGLE = 6
MAX_RATIO = 0.8
CASES = TRAINING.parent / "tests" / "guard" / "cases"
_WORD = re.compile(r"[\w']+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def normalised(text: str) -> str:
    return " ".join(words(text))


def shingles(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + SHINGLE]) for i in range(len(w) - SHINGLE + 1)}


def evaluation_texts(shared: Path = SHARED) -> list[str]:
    """Every text any guard evaluation reads (bench/guard.py, the tests)."""
    out: list[str] = []
    with (shared / "xstest" / "xstest_prompts.csv").open(newline="", encoding="utf-8") as fh:
        out += [r["prompt"] for r in csv.DictReader(fh)]
    for name in ("harmful-behaviors.csv", "benign-behaviors.csv"):
        with (shared / "jailbreakbench" / name).open(newline="", encoding="utf-8") as fh:
            out += [r["goal"] for r in csv.DictReader(fh)]
    with (shared / "simple-safety-tests" / "simple_safety_tests.csv").open(newline="", encoding="utf-8") as fh:
        out += [r["prompts_final"] for r in csv.DictReader(fh)]
    wrappers = DATA / "wrappers" / "eval.jsonl"
    if wrappers.exists():
        for line in wrappers.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(str(json.loads(line)["template"]).replace("{request}", " "))
    for path in sorted(CASES.glob("*.jsonl")) if CASES.exists() else ():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(str(json.loads(line)["text"]))
    return out


@dataclass
class Contamination:
    """The evaluation side, indexed once: its shingles and its normalised texts."""

    shingles: set[tuple[str, ...]]
    texts: list[str]

    @classmethod
    def of(cls, eval_texts: Iterable[str]) -> Contamination:
        texts = [normalised(t) for t in eval_texts]
        return cls({s for t in texts for s in shingles(t)}, [t for t in texts if t])

    def reasons(self, candidates: Sequence[str]) -> list[str | None]:
        """For each candidate: None when clean, else why it is contaminated (the shared shingle or the
        evaluation text it is too close to)."""
        norm = [normalised(t) for t in candidates]
        out: list[str | None] = []
        for t in norm:
            shared = next((s for s in shingles(t) if s in self.shingles), None)
            out.append(f"shares the 6-word shingle {' '.join(shared)!r}" if shared else None)
        pending = [i for i, r in enumerate(out) if r is None and norm[i]]
        if pending and self.texts:
            cutoff = MAX_RATIO * 100
            for i in pending:
                hit = process.extractOne(norm[i], self.texts, scorer=fuzz.ratio, score_cutoff=cutoff)
                if hit is not None and hit[1] > cutoff:
                    out[i] = f"ratio {hit[1] / 100:.2f} to {hit[0][:80]!r}"
        return out

    def clean(self, candidates: Sequence[str]) -> list[bool]:
        return [r is None for r in self.reasons(candidates)]


def written_files() -> list[Path]:
    """The project's own training data files (the eval wrapper frames are evaluation data)."""
    return [p for p in sorted(DATA.rglob("*.jsonl")) if p != DATA / "wrappers" / "eval.jsonl"]


def line_text(rec: dict[str, object]) -> str:
    return str(rec.get("text") or rec.get("template", "")).replace("{request}", " ")


def main(argv: list[str] | None = None) -> int:
    """``python -m training.guard.decontaminate [--clean]``: list (or drop) contaminated written lines."""
    import argparse

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--clean", action="store_true", help="rewrite the files without the contaminated lines")
    args = ap.parse_args(argv)
    index = Contamination.of(evaluation_texts())
    found = 0
    for path in written_files():
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        why = index.reasons([line_text(json.loads(ln)) for ln in lines])
        bad = [(ln, r) for ln, r in zip(lines, why, strict=True) if r]
        for ln, r in bad:
            print(f"{path.relative_to(DATA)}: {r}: {json.loads(ln).get('text', '')[:90]!r}")
        found += len(bad)
        if args.clean and bad:
            keep = [ln for ln, r in zip(lines, why, strict=True) if not r]
            path.write_text("".join(ln + "\n" for ln in keep), encoding="utf-8")
    print(f"{found} contaminated lines{' removed' if args.clean else ''}")
    return 1 if found and not args.clean else 0


if __name__ == "__main__":
    raise SystemExit(main())
