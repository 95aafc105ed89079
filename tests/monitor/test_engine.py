"""The engine end to end: risk combination, actions by thresholds, sticky verdicts, bounded memory."""

from __future__ import annotations

import pytest

from bastion.monitor.engine import MonitorEngine
from bastion.monitor.settings import MonitorSettings
from bastion.monitor.signals import Signal, action_for, combine

from .conftest import T0, event, run, verdict
from .test_signals import sweep_prompt


def test_scale_alone_never_reaches_review() -> None:
    s = MonitorSettings(reference_rph=100)
    # a busy batch customer: sustained volume, one template, every slot different
    engine = run((event(T0 + h * 3600 + i * 40, f'Classify the sentiment of this review: "review {h}-{i}"',
                        prompt_tokens=300, completion_tokens=3) for h in range(10) for i in range(80)), s)
    v = verdict(engine)
    assert {sig.name for sig in v.signals} == {"volume_near_limit", "templated_share"}
    assert v.risk <= s.context_cap and v.action == "none"


def test_a_distiller_is_actioned_with_its_evidence() -> None:
    engine = run(event(T0 + i * 20, sweep_prompt(i), prompt_tokens=30, completion_tokens=900) for i in range(300))
    v = verdict(engine)
    names = {sig.name for sig in v.signals}
    assert {"templated_share", "topic_sweep", "long_answers", "cot_elicitation"} <= names
    assert v.action in ("step_down", "throttle", "suspend") and 0.7 <= v.risk <= 1
    out = v.as_json()
    assert set(out) == {"org", "risk", "action", "signals"}
    assert all(set(sig) == {"name", "value", "evidence"} for sig in out["signals"])


def test_the_verdict_is_the_peak_an_action_is_not_undone_by_quiet() -> None:
    bad = [event(T0 + i * 20, sweep_prompt(i), prompt_tokens=30, completion_tokens=900) for i in range(300)]
    calm = [event(T0 + 10_000 + i * 20, f"ordinary question {i}") for i in range(1000)]
    engine = run([*bad, *calm])
    assert verdict(engine).action != "none"
    st = engine.account("org_a")
    assert st is not None and st.first_action_n is not None and st.first_action_n <= 300


def test_memory_is_bounded_and_actioned_verdicts_survive_eviction() -> None:
    s = MonitorSettings(max_accounts=10)
    bad = [event(T0 + i * 20, sweep_prompt(i), org="org_bad", prompt_tokens=30, completion_tokens=900)
           for i in range(300)]
    others = [event(T0 + 7000 + i, f"hello {i}", org=f"org_{i}") for i in range(30)]
    engine = run([*bad, *others], s)
    assert engine.account("org_bad") is None  # evicted
    verdicts = {v.org: v for v in engine.verdicts()}
    assert verdicts["org_bad"].action != "none"
    assert len([o for o in verdicts if o != "org_bad"]) == 10


def test_replays_are_deterministic() -> None:
    events = [event(T0 + i * 20, sweep_prompt(i), prompt_tokens=30, completion_tokens=900) for i in range(200)]
    a = [v.as_json() for v in run(events).verdicts()]
    b = [v.as_json() for v in run(events).verdicts()]
    assert a == b


def test_combine_and_actions() -> None:
    s = MonitorSettings()
    assert combine([], s) == 0.0
    one = combine([Signal("rephrase_probing", 1.0, {})], s)
    assert one == pytest.approx(0.75)
    both = combine([Signal("rephrase_probing", 1.0, {}), Signal("flagged_share", 1.0, {})], s)
    assert one < both <= 1
    assert [action_for(r, s) for r in (0.1, 0.5, 0.7, 0.85, 0.95)] == ["none", "review", "step_down", "throttle",
                                                                     "suspend"]


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        MonitorSettings.model_validate({"actions": {"review": 0.9, "suspend": 0.5}})
    with pytest.raises(ValueError):
        MonitorSettings.model_validate({"weights": {"no_such_signal": 0.5}})
    assert MonitorSettings.model_validate({"weights": {"topic_sweep": 0.1}}).weights["cot_elicitation"] == 0.35


def test_an_empty_engine_has_no_verdicts() -> None:
    engine = MonitorEngine()
    engine.finish()
    assert list(engine.verdicts()) == []
