"""The monitor event: what the gateway knows of one decided request, with fingerprints instead of text.

The gateway can build one from its request context after usage accounting (off the hot path): every
field is something it already has. Nothing here holds prompt or answer text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bastion.monitor.fingerprint import ContentFingerprint

ALLOW, DENY, FLAG = "allow", "deny", "flag"
# Spellings of the three decisions accepted from other producers (the replay contract).
DECISIONS: Mapping[str, str] = {
    "allow": ALLOW, "allowed": ALLOW, "pass": ALLOW,
    "deny": DENY, "denied": DENY, "refuse": DENY, "refused": DENY, "block": DENY, "blocked": DENY,
    "flag": FLAG, "flagged": FLAG,
}


@dataclass(frozen=True, slots=True)
class MonitorEvent:
    ts: float  # seconds since the epoch
    org: str
    key: str  # the key's public id, never the secret
    ip: str
    country: str | None  # request country (GeoIP or trusted edge header), ISO 3166 alpha-2
    model: str
    prompt_tokens: int
    completion_tokens: int
    decision: str  # ALLOW, DENY or FLAG (allowed but flagged)
    flagged: tuple[str, ...] = ()  # guard categories that fired
    user: str | None = None
    asn: int | None = None
    kyc_country: str | None = None  # the org's verified country, when the producer knows it
    scores: Mapping[str, float] = field(default_factory=dict)  # guard category scores
    reason: str | None = None  # the reason code of a denial
    account_created: float | None = None  # when the org was created, where the producer knows it
    fingerprint: ContentFingerprint | None = None

    @property
    def refused(self) -> bool:
        return self.decision == DENY
