"""The screening domain: list entries, the subject being screened, hits and their explanations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

EntityKind = Literal["person", "organization", "vessel", "aircraft", "unknown"]
Decision = Literal["clear", "review", "block"]
DECISION_ORDER: dict[str, int] = {"clear": 0, "review": 1, "block": 2}


@dataclass(slots=True)
class ListEntry:
    """One party on one list, with every name it is known by."""

    list_id: str  # short list id, e.g. "ofac-sdn", "un", "csl", "opensanctions"
    entity_id: str  # the list's own id for the entry
    kind: EntityKind
    names: list[str]  # primary name first, then aliases
    birth_dates: list[str] = field(default_factory=list)  # ISO, possibly partial: "1951", "1951-06", "1951-06-19"
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2, lower case
    programs: list[str] = field(default_factory=list)
    # (kind, value) with the value in canonical form (identifiers.canonical): ("passport", "A1234567"),
    # ("imo", "9187629"), ("tax_id", ...), ("national_id", ...), ("registration", ...), ("mmsi", ...)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    # a person's surname as the list marks it (OFAC writes it in capitals, "AL-ZAWAHIRI, Ayman"), one
    # string per name that marks it; empty when the list does not say which words are the surname
    surnames: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.list_id}:{self.entity_id}"


@dataclass(frozen=True, slots=True)
class Subject:
    """What is screened: a name with whatever else is known about it."""

    name: str
    kind: EntityKind = "unknown"
    country: str | None = None  # ISO alpha-2
    birth_date: str | None = None  # ISO, possibly partial, or a range of years "1960/1962"
    identifiers: tuple[tuple[str, str], ...] = ()  # (kind, value): ("passport", "A1234567"), ("imo", "9123456")


@dataclass(frozen=True, slots=True)
class ScreeningHit:
    """One list entry that resembles the subject, with the reasons a person can read."""

    list_id: str
    entity_id: str
    entry_name: str  # the entry's primary name
    matched_name: str  # which of the entry's names matched best
    score: float  # 0..1 after feature adjustments
    name_score: float  # 0..1, names alone
    decision: Decision
    features: dict[str, str]  # feature -> "agree" | "conflict" | "unknown", e.g. {"birth_date": "agree"}
    programs: tuple[str, ...] = ()
    # feature -> both sides, for the explanation: {"birth_date": "subject 1990, list 1951-06-19"}
    evidence: dict[str, str] = field(default_factory=dict)
    findings: tuple[Any, ...] = ()  # features.Finding, kept for calibration (re-weighting without re-screening)

    @property
    def key(self) -> str:
        return f"{self.list_id}:{self.entity_id}"

    def explain(self) -> str:
        parts = [f"name {self.matched_name!r} of {self.list_id}:{self.entity_id} ({self.entry_name!r}) "
                 f"scored {self.name_score:.2f}"]
        parts += [f"{k} {v}" + (f" ({self.evidence[k]})" if k in self.evidence else "")
                  for k, v in sorted(self.features.items()) if v != "unknown"]
        return "; ".join(parts) + f" -> {self.score:.2f} {self.decision}"

    def as_dict(self) -> dict[str, object]:
        return {"list": self.list_id, "entity_id": self.entity_id, "name": self.entry_name,
                "matched_name": self.matched_name, "score": round(self.score, 4),
                "name_score": round(self.name_score, 4), "decision": self.decision,
                "features": dict(self.features), "programs": list(self.programs), "explanation": self.explain()}


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    subject: Subject
    decision: Decision
    hits: tuple[ScreeningHit, ...]

    def as_dict(self) -> dict[str, object]:
        return {"decision": self.decision, "matches": [h.as_dict() for h in self.hits]}


def worst(decisions: list[Decision] | tuple[Decision, ...]) -> Decision:
    return max(decisions, key=DECISION_ORDER.__getitem__, default="clear")
