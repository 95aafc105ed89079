"""Scoring the matcher on the held-out cases (``heldout.py``) and choosing the review threshold on
the validation split only.

Each case is screened once with a low floor; what is kept (the best score of the expected entry,
the best score of any entry) is enough to judge every threshold above the floor without screening
again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bastion.diligence.screening.heldout import Case
from bastion.diligence.screening.matcher import Matcher
from bastion.diligence.screening.model import Subject

FLOOR = 0.55  # hits below this are never kept: no threshold worth choosing sits that low


@dataclass(frozen=True, slots=True)
class Observed:
    case: Case
    target: float  # the expected (variant) or look-alike (negative) entry's best score; 0 when absent
    top: float  # the best score of any entry; 0 when none


def subject_of(case: Case) -> Subject:
    return Subject(case.name, case.kind, case.country, case.birth_date, case.identifiers)


def observe(matcher: Matcher, cases: Iterable[Case]) -> list[Observed]:
    out = []
    for case in cases:
        hits = matcher.screen(subject_of(case), floor=FLOOR).hits
        target = max((h.score for h in hits if h.key == case.target), default=0.0)
        out.append(Observed(case, target, max((h.score for h in hits), default=0.0)))
    return out


def _rate(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def figures(observed: list[Observed], review: float) -> dict[str, object]:
    """Recall and precision per variant kind, false-hit rates per negative kind and on clean names."""
    by: dict[tuple[str, str], list[Observed]] = {}
    for o in observed:
        by.setdefault((o.case.family, o.case.label), []).append(o)
    out: dict[str, object] = {}
    tp = fp = 0
    recall: dict[str, float] = {}
    precision: dict[str, float] = {}
    for (family, label), group in sorted(by.items()):
        if family not in ("variant", "alias"):
            continue
        found = [o.target >= review for o in group]
        wrong = sum(1 for o in group if o.target < review <= o.top)  # raised, but another entry
        recall[f"{family}:{label}"] = round(_rate(found), 4)
        precision[f"{family}:{label}"] = round(sum(found) / (sum(found) + wrong), 4) if sum(found) + wrong else 1.0
        tp += sum(found)
        fp += wrong
    false_hits: dict[str, float] = {}
    for (family, label), group in sorted(by.items()):
        if family in ("negative", "clean"):
            flagged = [o.top >= review for o in group]
            false_hits[label] = round(_rate(flagged), 4)
            fp += sum(flagged)
    variants = [o for o in observed if o.case.family == "variant"]
    aliases = [o for o in observed if o.case.family == "alias"]
    negatives = [o for o in observed if o.case.family == "negative"]
    clean = [o for o in observed if o.case.family == "clean"]
    out["variant_recall"] = round(_rate([o.target >= review for o in variants]), 4)
    out["real_alias_recall"] = round(_rate([o.target >= review for o in aliases]), 4) if aliases else None
    out["hard_negative_false_hit_rate"] = round(_rate([o.top >= review for o in negatives]), 4)
    out["clean_false_hit_rate"] = round(_rate([o.top >= review for o in clean]), 4)
    out["precision"] = round(tp / (tp + fp), 4) if tp + fp else 1.0
    out["recall_by_kind"] = recall
    out["precision_by_kind"] = precision
    out["false_hit_rate_by_kind"] = false_hits
    out["cases"] = {"variants": len(variants), "aliases": len(aliases), "hard_negatives": len(negatives),
                    "clean": len(clean)}
    return out


def choose_review(observed: list[Observed], clean_max: float = 0.01, negative_max: float = 0.03,
                  margin: float = 0.8) -> float:
    """The review threshold with the best variant recall whose false-hit rates stay within
    ``margin`` times the limits (room for the other split to differ); ties go to the higher
    threshold. Pass validation cases only."""
    variants = [o for o in observed if o.case.family == "variant"]
    negatives = [o for o in observed if o.case.family == "negative"]
    clean = [o for o in observed if o.case.family == "clean"]
    best: tuple[float, float] | None = None
    for step in range(int(FLOOR * 100) + 5, 100):
        t = step / 100
        if _rate([o.top >= t for o in clean]) > clean_max * margin:
            continue
        if _rate([o.top >= t for o in negatives]) > negative_max * margin:
            continue
        r = _rate([o.target >= t for o in variants])
        if best is None or r >= best[0]:
            best = (r, t)
    return best[1] if best else 0.99
