"""Facts besides the name that move a hit's score: the kind of party, birth date, country, and
document numbers. Each comparison says what it found on both sides, so the explanation can name
them; the weights are chosen on the validation split (``calibration.tune``)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from bastion.diligence.screening.identifiers import BirthDate, birth_agreement, canonical, of_kind, parse_birth
from bastion.diligence.screening.model import ListEntry, Subject


@dataclass(frozen=True, slots=True)
class Weights:
    """What each finding adds to (or takes from) the name score. The defaults were chosen by
    ``calibration.tune`` on the validation split (``bench/screening.py --tune``)."""

    type_conflict: float = -0.15  # a person screened against a firm, a vessel against a person ...
    dob_exact: float = 0.15
    dob_year: float = 0.05
    dob_conflict: float = -0.2  # four or more years apart (a year off counts neither way)
    country_agree: float = 0.02
    country_conflict: float = -0.03
    id_agree: float = 0.2  # the same passport, tax, registration or IMO number
    id_conflict: float = -0.08  # the list gives that kind of number, and none is the subject's

    def replace(self, **changes: float) -> Weights:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Weights(**values)


@dataclass(frozen=True, slots=True)
class Finding:
    feature: str  # "type" | "birth_date" | "country" | "identifier"
    outcome: str  # "agree" | "conflict" | "near" (birth date a year off: neither)
    weight_name: str | None  # which Weights field applies
    evidence: str  # both sides, for a person to read


_PERSONAL = frozenset({"person"})
_OTHER = frozenset({"organization", "vessel", "aircraft"})


def _listed_births(entry: ListEntry) -> list[BirthDate]:
    return [b for d in entry.birth_dates if (b := parse_birth(d)) is not None]


def compare(subject: Subject, entry: ListEntry) -> list[Finding]:
    out: list[Finding] = []
    if subject.kind != "unknown" and entry.kind != "unknown":
        if subject.kind == entry.kind:
            out.append(Finding("type", "agree", None, f"both {entry.kind}"))
        elif (subject.kind in _PERSONAL) != (entry.kind in _PERSONAL) or {subject.kind, entry.kind} <= _OTHER:
            out.append(Finding("type", "conflict", "type_conflict", f"subject {subject.kind}, list {entry.kind}"))
    birth = parse_birth(subject.birth_date) if subject.birth_date else None
    if birth is not None and entry.birth_dates:
        found = birth_agreement(birth, _listed_births(entry))
        sides = f"subject {birth}, list {', '.join(entry.birth_dates[:3])}"
        if found == "exact":
            out.append(Finding("birth_date", "agree", "dob_exact", sides))
        elif found == "year":
            out.append(Finding("birth_date", "agree", "dob_year", sides))
        elif found == "near":
            out.append(Finding("birth_date", "near", None, sides))
        elif found == "conflict":
            out.append(Finding("birth_date", "conflict", "dob_conflict", sides))
    if subject.country and entry.countries:
        sides = f"subject {subject.country.lower()}, list {', '.join(entry.countries[:4])}"
        if subject.country.lower() in entry.countries:
            out.append(Finding("country", "agree", "country_agree", sides))
        else:
            out.append(Finding("country", "conflict", "country_conflict", sides))
    if subject.identifiers and entry.identifiers:
        out += _identifiers(subject, entry)
    return out


def _identifiers(subject: Subject, entry: ListEntry) -> list[Finding]:
    listed_values = {v for _, v in entry.identifiers}
    listed_kinds = {k for k, _ in entry.identifiers}
    conflict: Finding | None = None
    for raw_kind, raw_value in subject.identifiers:
        kind = of_kind(raw_kind)
        value = canonical(raw_value, kind)
        if value is None:
            continue
        if value in listed_values:  # the same number, whatever each side calls it
            listed_kind = next(k for k, v in entry.identifiers if v == value)
            return [Finding("identifier", "agree", "id_agree", f"subject {kind} {value}, list {listed_kind} {value}")]
        if kind in listed_kinds and conflict is None:
            theirs = ", ".join(v for k, v in entry.identifiers if k == kind)
            conflict = Finding("identifier", "conflict", "id_conflict", f"subject {kind} {value}, list {kind} {theirs}")
    return [conflict] if conflict else []


def adjust(name_score: float, findings: list[Finding], weights: Weights) -> float:
    score = name_score + sum(float(getattr(weights, f.weight_name)) for f in findings if f.weight_name)
    return max(0.0, min(1.0, score))
