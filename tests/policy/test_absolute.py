"""No exemption can ever permit autonomous weapons targeting or mass surveillance (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.config import ModelSettings
from bastion.gateway.context import Principal
from bastion.policy.engine import PolicyEngine
from bastion.policy.pack import PolicyPack, load_pack

BASE = load_pack()
CATEGORIES = ["cbrn_weapons", "cyber_offense", "autonomous_weapons", "mass_surveillance",
              "influence_operations", "jailbreak", "prompt_injection"]
PROGRAMMES = ["government_lawful_use", "weights_custodian", "pilot", "defence_research", "law_enforcement"]

# Exemptions an operator might add: broad permits for a programme, a country, a tier, or anyone.
EXEMPTIONS = [
    'permit(principal, action, resource) when {{ principal.org.programmes.contains("{p}") }};',
    'permit(principal, action, resource) when {{ context.flagged.contains("{c}") }};',
    'permit(principal, action, resource) when {{ principal.org.tier >= 0 }};',
    'permit(principal, action, resource);',
]


def with_exemptions(extra: list[str]) -> PolicyPack:
    text = "\n".join(f'@id("exempt{i}")\n@reason("operator exemption {i}")\n{p}' for i, p in enumerate(extra))
    pack = load_pack()
    if text:
        pack.policy_set = pack.policy_set.with_added_str(text)
    return pack


@settings(max_examples=150, deadline=None)
@given(
    absolute=st.sampled_from(["autonomous_weapons", "mass_surveillance"]),
    others=st.lists(st.sampled_from(CATEGORIES), max_size=3),
    programmes=st.lists(st.sampled_from(PROGRAMMES), max_size=5),
    tier=st.integers(0, 3),
    country=st.sampled_from(["GB", "US", "FR", "DE", ""]),
    exemptions=st.lists(st.tuples(st.sampled_from(EXEMPTIONS), st.sampled_from(PROGRAMMES),
                                  st.sampled_from(CATEGORIES)), max_size=4),
    model_tier=st.sampled_from(["open", "standard", "frontier", "restricted"]),
    action=st.sampled_from(["invoke", "list_models", "fine_tune"]),
)
def test_absolute_categories_are_never_permitted(absolute: str, others: list[str], programmes: list[str],
                                                 tier: int, country: str,
                                                 exemptions: list[tuple[str, str, str]], model_tier: str,
                                                 action: str) -> None:
    pack = with_exemptions([e.format(p=p, c=c) for e, p, c in exemptions])
    model = ModelSettings(upstreams=[], tier=model_tier, programmes=programmes)  # type: ignore[arg-type]
    engine = PolicyEngine(pack, {"m": model}, cache_size=0)
    p = Principal("org_x", "X", "active", "key_x", "bst_x", "active", tier=tier, country=country or None,
                  programmes=tuple(programmes), screening_state="clear")
    decision = engine.decide(p, "m", action, stage="usage", flagged=[absolute, *others])
    assert not decision.allowed
    assert f"usage.{absolute}" in decision.ids
