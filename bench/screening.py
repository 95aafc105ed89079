"""Screening quality and speed, measured on an evaluation that shares no code with the matcher.

Cases come from ``bastion.diligence.screening.heldout`` (variants written by rules independent of
the normaliser, the lists' own aliases, hard negatives, everyday clean names), split by entry into
*validation* and *evaluation*. The review threshold is chosen on validation (and reported); the
targets are judged on the evaluation split at the shipped thresholds. Speed: queries/s and
p50/p99 latency on one core at the OFAC SDN sample's size; optionally (``--large N``) on a synthetic
list of N entries. Prints one JSON object with a ``targets`` list; exit 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, percentile, target

from bastion.diligence.screening import heldout
from bastion.diligence.screening.calibration import choose_review, figures, observe, subject_of, tune
from bastion.diligence.screening.evalset import make_variant, synthetic_entries
from bastion.diligence.screening.features import Weights
from bastion.diligence.screening.index import ScreeningIndex
from bastion.diligence.screening.loaders import load_list
from bastion.diligence.screening.matcher import Matcher
from bastion.diligence.screening.model import ListEntry, Subject

ROOT = Path(__file__).resolve().parents[1]
# The hand-set weights the matcher had before document numbers and tuned weights (a same full date +0.05,
# same year +0.03, another year -0.12; no document numbers).
WEIGHTS_BEFORE_IDENTIFIERS = Weights(dob_exact=0.05, dob_year=0.03, dob_conflict=-0.12, id_agree=0.0, id_conflict=0.0)
DATA = ROOT.parent / "shared" / "data" / "sanctions"


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def build(entries: list[ListEntry]) -> tuple[Matcher, float, float]:
    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    index = ScreeningIndex(entries)
    seconds = time.perf_counter() - t0
    gc.collect()
    return Matcher(index), seconds, rss_mb() - before


def latency(matcher: Matcher, subjects: list[Subject]) -> dict[str, float]:
    """Latency by the wall clock; throughput by this process's CPU time, which other work on a shared
    machine does not inflate (the wall-clock rate is reported too)."""
    for s in subjects[:50]:
        matcher.screen(s)  # warm the caches
    times: list[float] = []
    cpu0 = time.process_time()
    for s in subjects:
        t0 = time.perf_counter()
        matcher.screen(s)
        times.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0
    wall = sum(times)
    times.sort()
    return {"queries": len(times), "qps": len(times) / cpu, "qps_wall_clock": len(times) / wall,
            "p50_ms": percentile(times, 50) * 1e3, "p99_ms": percentile(times, 99) * 1e3, "max_ms": times[-1] * 1e3}


def by_split(cases: list[heldout.Case]) -> dict[str, list[heldout.Case]]:
    out: dict[str, list[heldout.Case]] = {"validation": [], "evaluation": []}
    for c in cases:
        out[heldout.split_of(c.target or c.name)].append(c)
    return out


def large(count: int) -> dict[str, Any]:
    big = synthetic_entries(count)
    matcher, build_s, mem = build(big)
    rng = random.Random(9)
    queries: list[tuple[Subject, str]] = []
    while len(queries) < 2000:
        e = rng.choice(big)
        v = make_variant(rng, e, e.names[0], rng.choice(("typo", "reorder", "spelling", "format")))
        if v:
            queries.append((Subject(v, e.kind), e.key))
    speed = latency(matcher, [q for q, _ in queries])
    return {"entries": len(big), "build_s": round(build_s, 2), "index_mb": round(mem, 1),
            **{k: round(v, 3) for k, v in speed.items()}}


def real_part_entries(entries: list[ListEntry], count: int, seed: int = 11) -> list[ListEntry]:
    """``count`` synthetic entries (list id ``synthetic``) built from the name parts of a real list:
    persons from its given names and marked surnames, firms from the words of its firms' names, so
    token frequencies (many Muhammads, rare surnames) are the list's own."""
    given: list[str] = []
    surnames: list[str] = []
    org_words: list[str] = []
    for e in entries:
        if e.kind == "person" and e.names[0].isascii():
            g, s = heldout.surname_and_given(e.names[0])
            given += [w for w in g if w.isalpha()]
            surnames.append(" ".join(s))
        elif e.kind == "organization" and e.names[0].isascii():
            org_words += [w for w in e.names[0].replace(",", " ").split() if w.isalpha() and len(w) > 2]
    rng = random.Random(seed)
    out: list[ListEntry] = []
    for i in range(count):
        if rng.random() < 0.6:
            surname = rng.choice(surnames)
            names = [f"{' '.join(rng.choice(given) for _ in range(rng.randint(1, 3)))} {surname}"]
            if rng.random() < 0.3:
                names.append(f"{rng.choice(given)} {surname}")
            out.append(ListEntry("synthetic", str(i), "person", names, [str(rng.randrange(1940, 2000))],
                                 surnames=[surname]))
        else:
            words = " ".join(rng.choice(org_words) for _ in range(rng.randint(2, 4)))
            out.append(ListEntry("synthetic", str(i), "organization", [words]))
    return out


def scale(sdn: str, count: int, queries: int = 2000) -> dict[str, Any]:
    """Latency and memory of an index of ``count`` synthetic entries made of real list name parts;
    queries are variants (typo, reordered, respelt, reformatted) of its own names."""
    parts = load_list(sdn)
    gc.collect()
    rss0 = rss_mb()
    big = real_part_entries(parts, count)
    entries_mb = rss_mb() - rss0
    matcher, build_s, index_mb = build(big)
    rng = random.Random(9)
    subjects: list[Subject] = []
    while len(subjects) < queries:
        e = rng.choice(big)
        v = make_variant(rng, e, e.names[0], rng.choice(("typo", "reorder", "spelling", "format")))
        if v:
            subjects.append(Subject(v, e.kind))
    speed = latency(matcher, subjects)
    return {"bench": "screening-scale", "entries": len(big), "names": matcher.index.name_count,
            "synthetic": "synthetic entries generated from the OFAC SDN sample's given names, surnames and firm words",
            "cpu": "one core (single thread)", "build_s": round(build_s, 1),
            "entries_mb": round(entries_mb, 1), "index_mb": round(index_mb, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            **{k: round(v, 3) for k, v in speed.items()},
            "targets": [target("scale_p99_ms", speed["p99_ms"], "<=", 5.0, entries=len(big))]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sdn", default=str(DATA / "ofac-sdn-2021"))
    ap.add_argument("--alias-lists", nargs="*", default=[str(DATA / "ofac-sdn-2021"), str(DATA / "un" /
                    "UN_consolidated.xml"), str(DATA / "ofac-cons")])
    ap.add_argument("--per-kind", type=int, default=200, help="variants and hard negatives per kind and seed")
    ap.add_argument("--clean", type=int, default=3000)
    ap.add_argument("--aliases", type=int, default=3000)
    ap.add_argument("--quick", action="store_true", help="a small sample (about 20 s on one core)")
    ap.add_argument("--tune", action="store_true", help="also search feature weights on the validation split")
    ap.add_argument("--scale", type=int, default=0,
                    help="only time an index of N synthetic entries made of real name parts (one JSON object)")
    ap.add_argument("--large", type=int, default=0, help="also time a synthetic list of N entries (0: skip)")
    args = ap.parse_args()
    if args.scale:
        emit(scale(args.sdn, args.scale))
        return
    if args.quick:
        args.per_kind, args.clean, args.aliases = 40, 400, 400
    report: dict[str, Any] = {"bench": "screening", "cpu": "one core (single thread)",
                              "evaluation": "heldout.py: generator independent of names.py; split by entry hash"}

    entries = load_list(args.sdn)
    matcher, build_s, mem = build(entries)
    vocab = heldout.vocabulary(entries)
    cases = (heldout.variants(entries, args.per_kind, seed=21) + heldout.variants(entries, args.per_kind, seed=22)
             + heldout.negatives(entries, args.per_kind, seed=23, vocab=vocab)
             + heldout.negatives(entries, args.per_kind, seed=24, vocab=vocab)
             + heldout.clean(entries, args.clean, seed=25, vocab=vocab))
    alias_entries = [e for p in args.alias_lists for e in load_list(p)]
    primaries, aliases = heldout.real_aliases(alias_entries, args.aliases, seed=26)
    alias_matcher = Matcher(ScreeningIndex(primaries), matcher.thresholds)

    observed = {split: observe(matcher, group) for split, group in by_split(cases).items()}
    for split, group in by_split(aliases).items():
        observed[split] += observe(alias_matcher, group)
    weights = matcher.weights
    chosen = choose_review(observed["validation"], weights)
    shipped = matcher.thresholds.review
    report["thresholds"] = {"shipped_review": shipped, "block": matcher.thresholds.block,
                            "review_chosen_on_validation": chosen}
    report["weights"] = {f: getattr(weights, f) for f in weights.__dataclass_fields__}
    if args.tune:  # validation only: the evaluation split never informs the choice
        tuned, review, recall = tune(observed["validation"], weights)
        report["tuned_on_validation"] = {"review": review, "variant_recall": round(recall, 4),
                                         "weights": {f: getattr(tuned, f) for f in tuned.__dataclass_fields__}}
    report["validation"] = figures(observed["validation"], shipped, weights)
    report["evaluation"] = figures(observed["evaluation"], shipped, weights)
    # the same screened cases under the weights used before secondary identifiers (for comparison)
    report["before_identifiers"] = {split: figures(observed[split], 0.82, WEIGHTS_BEFORE_IDENTIFIERS)
                                    for split in ("validation", "evaluation")}

    speed = latency(matcher, [subject_of(c) for c in cases])
    report["sdn"] = {"entries": len(entries), **matcher.index.stats(), "build_s": round(build_s, 3),
                     "index_mb": round(mem, 1), **{k: round(v, 3) for k, v in speed.items()}}
    ev = report["evaluation"]
    targets = [target("sdn_queries_per_s", speed["qps"], ">=", 1000),
               target("eval_variant_recall", ev["variant_recall"], ">=", 0.98),
               target("eval_clean_false_hit_rate", ev["clean_false_hit_rate"], "<=", 0.01),
               target("eval_hard_negative_false_hit_rate", ev["hard_negative_false_hit_rate"], "<=", 0.03),
               target("eval_real_alias_recall", ev["real_alias_recall"], ">=", 0.80)]
    if args.large:
        report["large"] = large(args.large)
        targets.append(target("large_p99_ms", report["large"]["p99_ms"], "<=", 5.0, entries=args.large))
    report["targets"] = targets
    emit(report)


if __name__ == "__main__":
    main()
