"""Verification tiers as a state machine. Pure: it takes what is known about an org and says
whether a move is allowed, and if not, what is missing.

    T0 self-serve ──screened clear──► T1 screened ──officer verified KYC──► T2 verified
                                                   ──officer, lawful-use programme──► T3 government

One step up at a time; any step down, with a reason (an officer's decision, or a new screening hit).
"""

from __future__ import annotations

from dataclasses import dataclass

from bastion.diligence.review import ScreeningState

TIER_NAMES = {0: "T0 self-serve", 1: "T1 screened clear", 2: "T2 verified by an officer",
              3: "T3 government / lawful-use programme"}
LAWFUL_USE_PROGRAMMES = frozenset({"government_lawful_use"})
SYSTEM_ACTORS = frozenset({"system:screening"})


class TierError(ValueError):
    """A tier change that the state machine does not allow, with what is missing."""


@dataclass(frozen=True, slots=True)
class OrgFacts:
    tier: int
    screening_state: str  # a ScreeningState value (rows hold the plain string)
    has_profile: bool
    attested: bool  # end-use attestation given (no weapons, no mass surveillance)
    documents: int  # KYC documents an officer has reviewed
    programmes: tuple[str, ...]


def check_transition(facts: OrgFacts, to_tier: int, actor: str, reason: str) -> None:
    """Raise ``TierError`` unless ``facts.tier -> to_tier`` by ``actor`` is allowed."""
    if to_tier not in TIER_NAMES:
        raise TierError(f"unknown tier T{to_tier}")
    if not reason.strip():
        raise TierError("a tier change needs a reason")
    if to_tier == facts.tier:
        raise TierError(f"the org is already at {TIER_NAMES[to_tier]}")
    if to_tier < facts.tier:
        return  # downgrades are always allowed, with a reason
    if to_tier != facts.tier + 1:
        raise TierError(f"tiers go up one step at a time (T{facts.tier} -> T{facts.tier + 1}), not to T{to_tier}")
    if facts.screening_state != ScreeningState.CLEAR:
        raise TierError(f"screening must be clear to move up (it is {facts.screening_state})")
    if to_tier == 1:
        return
    if actor in SYSTEM_ACTORS:
        raise TierError(f"T{to_tier} needs an officer's decision")
    missing = [what for what, ok in (("a KYC profile", facts.has_profile), ("an end-use attestation", facts.attested),
                                      ("a reviewed document", facts.documents > 0)) if not ok]
    if missing:
        raise TierError(f"T{to_tier} needs {', '.join(missing)}")
    if to_tier == 3 and not LAWFUL_USE_PROGRAMMES & set(facts.programmes):
        raise TierError("T3 needs a government / lawful-use programme on the org "
                        f"({', '.join(sorted(LAWFUL_USE_PROGRAMMES))})")
