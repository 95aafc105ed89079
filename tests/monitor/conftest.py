"""Event builders for the monitor tests: real fingerprints under a fixed test key."""

from __future__ import annotations

from collections.abc import Iterable

from bastion.monitor.engine import MonitorEngine
from bastion.monitor.events import ALLOW, DENY, MonitorEvent
from bastion.monitor.fingerprint import Fingerprinter
from bastion.monitor.settings import MonitorSettings
from bastion.monitor.signals import Assessment, Signal

FP = Fingerprinter.from_secret("monitor-tests")
T0 = 1_750_000_000.0


def event(ts: float, prompt: str, *, org: str = "org_a", key: str = "key_a", ip: str = "203.0.113.7",
          country: str | None = "US", asn: int | None = 64500, prompt_tokens: int = 200,
          completion_tokens: int = 200, flagged: tuple[str, ...] = (), decision: str = ALLOW,
          kyc_country: str | None = None) -> MonitorEvent:
    return MonitorEvent(ts=ts, org=org, key=key, ip=ip, country=country, model="m", prompt_tokens=prompt_tokens,
                        completion_tokens=completion_tokens, decision=decision, flagged=flagged, asn=asn,
                        kyc_country=kyc_country, fingerprint=FP.fingerprint(prompt))


def refused(ts: float, prompt: str, **kw: object) -> MonitorEvent:
    return event(ts, prompt, flagged=("cbrn",), decision=DENY, **kw)  # type: ignore[arg-type]


def run(events: Iterable[MonitorEvent], settings: MonitorSettings | None = None) -> MonitorEngine:
    engine = MonitorEngine(settings)
    for ev in events:
        engine.observe(ev)
    engine.finish()
    return engine


def verdict(engine: MonitorEngine, org: str = "org_a") -> Assessment:
    return next(v for v in engine.verdicts() if v.org == org)


def signal(engine: MonitorEngine, name: str, org: str = "org_a") -> Signal | None:
    """The named signal in the account's assessment now (not its peak)."""
    st = engine.account(org)
    assert st is not None
    return next((s for s in engine.signals(st, st.last_ts) if s.name == name), None)
