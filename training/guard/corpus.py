"""The guard's corpus: every source, deduplicated, decontaminated against the evaluation sets, split by
behaviour and sub-topic, and the training split augmented with styles.

``python -m training.guard.corpus`` prints what goes where, and why lines were removed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from training.guard.augment import augment
from training.guard.decontaminate import Contamination, evaluation_texts
from training.guard.sources import SHARED, Example, filler, public_prompts, wrappers, written_answers, written_prompts
from training.guard.splits import split_of


@dataclass
class Corpus:
    train: list[Example]
    val: list[Example]
    holdout: list[Example]
    removed: Counter[str]

    def summary(self) -> dict[str, object]:
        def count(xs: list[Example]) -> dict[str, int]:
            c: Counter[str] = Counter()
            for e in xs:
                c["answers" if e.kind == "answer" else "prompts"] += 1
                for label in e.labels or {"safe"}:
                    c[f"{e.kind}:{label}"] += 1
            return dict(sorted(c.items()))
        return {"train": count(self.train), "val": count(self.val), "holdout": count(self.holdout),
                "removed": dict(self.removed)}


def fingerprint(corpus: Corpus) -> str:
    """SHA-256 over the training split (text, labels, kind) in order: the shipped model records it, and a
    test checks that the repository still builds the corpus the model was trained on."""
    h = hashlib.sha256()
    for e in corpus.train:
        h.update(json.dumps([e.text, sorted(e.labels), e.kind]).encode())
    return h.hexdigest()


def raw_examples(shared: Path = SHARED) -> list[Example]:
    """Every source, first occurrence of each text kept (case-insensitive)."""
    seen: set[tuple[str, str]] = set()
    out: list[Example] = []
    for e in [*public_prompts(shared), *written_prompts(), *written_answers()]:
        key = (e.kind, e.text.lower())
        if e.text and key not in seen:
            seen.add(key)
            out.append(e)
    return out


def build(shared: Path = SHARED, with_augmentation: bool = True) -> Corpus:
    examples = raw_examples(shared)
    contamination = Contamination.of(evaluation_texts(shared))
    clean = contamination.clean([e.text for e in examples])
    removed: Counter[str] = Counter(e.source for e, ok in zip(examples, clean, strict=True) if not ok)
    kept = [e for e, ok in zip(examples, clean, strict=True) if ok]
    parts: dict[str, list[Example]] = {"train": [], "val": [], "holdout": []}
    for e in kept:
        parts[split_of(e)].append(e)
    train = parts["train"]
    if with_augmentation:
        extra = augment(train, filler(), wrappers("train"))
        # an augmented copy may pick up an evaluation shingle from its frame: check it too
        ok = contamination.clean([e.text for e in extra])
        removed["augmented"] += sum(not k for k in ok)
        train = train + [e for e, k in zip(extra, ok, strict=True) if k]
    return Corpus(train, parts["val"], parts["holdout"], removed)


if __name__ == "__main__":
    print(json.dumps(build().summary(), indent=2))
