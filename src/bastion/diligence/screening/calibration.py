"""Scoring the matcher on the held-out cases (``heldout.py``) and choosing the review threshold on
the validation split only.

Each case is screened once with a low floor; what is kept (the best score of the expected entry,
the best score of any entry) is enough to judge every threshold above the floor without screening
again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bastion.diligence.screening.features import Weights
from bastion.diligence.screening.heldout import Case
from bastion.diligence.screening.matcher import EXACT_NAME, Matcher, Thresholds
from bastion.diligence.screening.model import Subject

BLOCK = Thresholds().block
FLOOR = 0.55  # hits below this are never kept: no threshold worth choosing sits that low


@dataclass(frozen=True, slots=True)
class Observed:
    """A screened case: per hit, whether it is the case's entry, its name score and which weights
    its findings draw on — enough to score it again under other weights."""

    case: Case
    hits: tuple[tuple[bool, float, tuple[str, ...]], ...]

    def scores(self, weights: Weights) -> tuple[float, float]:
        """(best score of the case's own entry, best score of any entry); 0 when absent."""
        target = top = 0.0
        for is_target, name_score, names in self.hits:
            score = max(0.0, min(1.0, name_score + sum(getattr(weights, n) for n in names)))
            if name_score >= EXACT_NAME:  # the matcher never lets facts clear a listed name word for word
                score = max(score, BLOCK - 1e-6)
            top = max(top, score)
            if is_target:
                target = max(target, score)
        return target, top


@dataclass(frozen=True, slots=True)
class _Scored:
    case: Case
    target: float
    top: float


def _scored(observed: list[Observed], weights: Weights) -> list[_Scored]:
    return [_Scored(o.case, *o.scores(weights)) for o in observed]


def subject_of(case: Case) -> Subject:
    return Subject(case.name, case.kind, case.country, case.birth_date, case.identifiers)


def observe(matcher: Matcher, cases: Iterable[Case]) -> list[Observed]:
    out = []
    for case in cases:
        hits = matcher.screen(subject_of(case), floor=FLOOR).hits
        out.append(Observed(case, tuple((h.key == case.target, h.name_score,
                                         tuple(f.weight_name for f in h.findings if f.weight_name)) for h in hits)))
    return out


def _rate(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def figures(observed_raw: list[Observed], review: float, weights: Weights) -> dict[str, object]:
    """Recall and precision per variant kind, false-hit rates per negative kind and on clean names."""
    observed = _scored(observed_raw, weights)
    by: dict[tuple[str, str], list[_Scored]] = {}
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


def choose_review(observed_raw: list[Observed], weights: Weights, clean_max: float = 0.01,
                  negative_max: float = 0.03, margin: float = 0.8) -> float:
    """The review threshold with the best recall (variants and real aliases) whose false-hit rates
    stay within ``margin`` times the limits (room for the other split to differ). Pass validation
    cases only."""
    return _choose(_scored(observed_raw, weights), clean_max, negative_max, margin)[1]


def _choose(observed: list[_Scored], clean_max: float = 0.01, negative_max: float = 0.03,
            margin: float = 0.8, tolerance: float = 0.005) -> tuple[float, float]:
    """(recall, threshold). Recall is the mean of variant recall and real-alias recall (both are
    targets; variant recall alone when there are no aliases). Of the thresholds that keep the
    false-hit limits, the highest whose recall is within ``tolerance`` of the best: a lower one buys
    the validation set almost nothing and costs precision on names it has not seen."""
    variants = [o for o in observed if o.case.family == "variant"]
    aliases = [o for o in observed if o.case.family == "alias"]
    negatives = [o for o in observed if o.case.family == "negative"]
    clean = [o for o in observed if o.case.family == "clean"]
    allowed: list[tuple[float, float]] = []
    for step in range(int(FLOOR * 100) + 5, 100):
        t = step / 100
        if _rate([o.top >= t for o in clean]) > clean_max * margin:
            continue
        if _rate([o.top >= t for o in negatives]) > negative_max * margin:
            continue
        recall = _rate([o.target >= t for o in variants])
        if aliases:
            recall = (recall + _rate([o.target >= t for o in aliases])) / 2
        allowed.append((recall, t))
    if not allowed:
        return 0.0, 0.99
    best = max(r for r, _ in allowed)
    return max(((r, t) for r, t in allowed if r >= best - tolerance), key=lambda rt: rt[1])


# Values tried for each weight; coordinate ascent from the current weights, a few rounds.
GRID: dict[str, tuple[float, ...]] = {
    "type_conflict": (-0.05, -0.1, -0.15, -0.2, -0.3),
    "dob_exact": (0.0, 0.03, 0.06, 0.1, 0.15),
    "dob_year": (0.0, 0.02, 0.03, 0.05, 0.08),
    # no stronger: a listed name spelt exactly, with another birth year, still reaches an officer
    "dob_conflict": (-0.04, -0.08, -0.12, -0.16, -0.2),
    "country_agree": (0.0, 0.02, 0.04),
    "country_conflict": (0.0, -0.02, -0.03, -0.05, -0.08),
    "id_agree": (0.05, 0.1, 0.15, 0.2),
    "id_conflict": (0.0, -0.04, -0.08, -0.12),
}


def tune(observed: list[Observed], start: Weights, rounds: int = 2) -> tuple[Weights, float, float]:
    """Weights and review threshold with the best recall (``_choose``), then real-alias recall,
    within the false-hit limits. Pass validation cases only. Returns (weights, review, recall)."""

    def objective(w: Weights) -> tuple[float, float, float]:
        scored = _scored(observed, w)
        recall, review = _choose(scored)
        aliases = [o.target >= review for o in scored if o.case.family == "alias"]
        return recall, _rate(aliases), review

    best_w, best = start, objective(start)
    for _ in range(rounds):
        for name, values in GRID.items():
            for v in values:
                w = best_w.replace(**{name: v})
                got = objective(w)
                if got[:2] > best[:2]:
                    best_w, best = w, got
    return best_w, best[2], best[0]
