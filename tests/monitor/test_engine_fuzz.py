"""The engine under arbitrary event sequences: never raises, risk in [0, 1], one verdict per org."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.monitor.engine import MonitorEngine
from bastion.monitor.events import ALLOW, DENY, FLAG, MonitorEvent
from bastion.monitor.fingerprint import ContentFingerprint
from bastion.monitor.settings import MonitorSettings
from bastion.monitor.signals import ACTIONS

fingerprints = st.builds(ContentFingerprint, simhash=st.integers(0, 2**64 - 1), template=st.integers(0, 2**64 - 1),
                         frame=st.integers(0, 3), length=st.integers(0, 10_000),
                         language=st.sampled_from(["Latn", "Hani"]),
                         topic=st.sampled_from(["code", "math", "law", "general"]), cot=st.booleans())
events = st.builds(
    MonitorEvent,
    ts=st.floats(1e9, 1e9 + 10 * 86_400), org=st.sampled_from(["a", "b", "c", "d", "e", "f"]),
    key=st.sampled_from(["k1", "k2"]), ip=st.sampled_from(["10.0.0.1", "10.0.1.2", "2001:db8::1", "192.0.2.9"]),
    country=st.none() | st.sampled_from(["US", "DE", "JP", "IR", "ZZ"]), model=st.just("m"),
    prompt_tokens=st.integers(0, 10_000), completion_tokens=st.integers(0, 10_000),
    decision=st.sampled_from([ALLOW, DENY, FLAG]), flagged=st.lists(st.just("cbrn"), max_size=1).map(tuple),
    asn=st.none() | st.integers(1, 5), kyc_country=st.none() | st.sampled_from(["US", "DE"]),
    account_created=st.none() | st.floats(1e9 - 86_400, 1e9 + 86_400),
    fingerprint=st.none() | fingerprints,
)


@settings(max_examples=60, deadline=None)
@given(batch=st.lists(events, max_size=300), assess_every=st.integers(1, 30), max_accounts=st.integers(1, 6))
def test_any_event_sequence(batch: list[MonitorEvent], assess_every: int, max_accounts: int) -> None:
    engine = MonitorEngine(MonitorSettings(assess_every=assess_every, max_accounts=max_accounts, min_requests=5,
                                           cluster_min_size=2, cluster_sweep_s=3600))
    for ev in sorted(batch, key=lambda e: e.ts):
        engine.observe(ev)
    engine.finish()
    verdicts = list(engine.verdicts())
    orgs = [v.org for v in verdicts]
    assert len(orgs) == len(set(orgs)) and set(orgs) <= {e.org for e in batch}
    for v in verdicts:
        assert 0.0 <= v.risk <= 1.0 and v.action in ACTIONS
        assert all(0.0 <= s.value <= 1.0 for s in v.signals)
