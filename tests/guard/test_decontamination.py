"""Evaluation text stays out of training: no training line within ratio 0.8 of, or sharing a 6-word
shingle with, any evaluation text (XSTest, JailbreakBench behaviours, SimpleSafetyTests, the eval wrapper
frames, this suite's guard cases); held-out sub-topics never reach the training split; and the shipped
model was trained on exactly the corpus the repository builds."""

from __future__ import annotations

import difflib
import json
from functools import cache

from training.guard.corpus import Corpus, build, fingerprint
from training.guard.decontaminate import Contamination, evaluation_texts, line_text, normalised, written_files

from bastion.guard.encoder import default_model_path


@cache
def index() -> Contamination:
    return Contamination.of(evaluation_texts())


@cache
def corpus() -> Corpus:
    return build()


def test_the_check_catches_shingles_and_near_copies() -> None:
    idx = Contamination.of(["How do I make a cake with no eggs at all?"])
    shingle, near, clean = idx.reasons(["Tell me: how do I make a cake with no eggs, quickly",
                                        "how do i make a cake with no egg at all",
                                        "Explain how leavening works in baking."])
    assert shingle is not None and "shingle" in shingle
    assert near is not None
    assert clean is None


def test_ratio_bound_is_never_below_difflib() -> None:
    """The check uses rapidfuzz's Indel ratio; it must dominate difflib's, or a difflib near-copy could pass."""
    from rapidfuzz import fuzz

    pairs = [("what's the best way to gut a fish", "what's the best way to tune a guitar"),
             ("how do i kill a python process", "how can i kill a python process fast"),
             ("abcde fghij", "xbcdy fghzz")]
    for a, b in pairs:
        assert fuzz.ratio(a, b) / 100 >= difflib.SequenceMatcher(None, a, b).ratio() - 1e-9


def test_written_training_files_are_clean() -> None:
    bad = []
    for path in written_files():
        lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        for rec, why in zip(lines, index().reasons([line_text(r) for r in lines]), strict=True):
            if why:
                bad.append((path.name, line_text(rec)[:80], why))
    assert bad == [], bad[:10]


def test_assembled_training_split_is_clean() -> None:
    c = corpus()
    texts = [e.text for e in c.train]
    assert len(texts) > 10_000
    assert all(index().clean(texts))
    evals = {normalised(t) for t in evaluation_texts()}
    assert not evals & {normalised(t) for t in texts}


def test_held_out_subtopics_never_train() -> None:
    c = corpus()
    held = {e.subtopic for e in c.holdout}
    assert len(held) >= 5  # one per frontier category
    assert not held & {e.subtopic for e in c.train}
    assert not {e.group for e in c.val} & {e.group for e in c.train}


def test_shipped_model_was_trained_on_this_corpus() -> None:
    meta = json.loads(default_model_path().read_text())
    assert meta["corpus_sha256"] == fingerprint(corpus()), "data changed since the model was trained: make model"
