"""One taxonomy: the hazard categories are written in guard/taxonomy.yaml and every other list agrees.

The policy engine's scored categories, the Cedar schema's ``HazardScores`` record, the categories the
default policies and their cases name, the absolute categories, the shipped guard model and the
red-team guard judge are each checked against the taxonomy, so adding or renaming a category in one
place and not the others fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

from bastion.guard.taxonomy import ATTACK_SIGNALS, categories
from bastion.policy.engine import SCORED
from bastion.policy.settings import Absolute
from bastion.redteam.judges.guard import HARM

SRC = Path(__file__).resolve().parents[1] / "src" / "bastion"
SCHEMA = SRC / "policy" / "bastion.cedarschema"
POLICIES = SRC / "policy" / "policies"
MODEL_CARD = SRC / "guard" / "model" / "guard-minilm.json"


def schema_categories(text: str) -> list[str]:
    """The attribute names of the schema's ``type HazardScores = { ... };`` record."""
    body = re.search(r"type\s+HazardScores\s*=\s*\{(.*?)\};", text, flags=re.DOTALL)
    assert body, "bastion.cedarschema has no HazardScores record"
    return re.findall(r'"([a-z_]+)"\s*:\s*Long', body.group(1))


def policy_categories(text: str) -> set[str]:
    """Categories a Cedar policy reads: ``context.flagged.contains("x")`` and ``context.scores.x``."""
    named = re.findall(r'flagged\.contains\("([^"]+)"\)', text)
    scored = re.findall(r"context\.scores\.([A-Za-z_]+)", text)
    return {*named, *scored}


TAXONOMY = categories()


def test_taxonomy_has_each_category_once() -> None:
    assert len(TAXONOMY) == len(set(TAXONOMY)) > 0
    assert set(ATTACK_SIGNALS) <= set(TAXONOMY)


def test_policy_engine_scores_the_taxonomy() -> None:
    assert sorted(SCORED) == sorted(TAXONOMY)
    assert len(SCORED) == len(set(SCORED))


def test_cedar_schema_scores_the_taxonomy() -> None:
    found = schema_categories(SCHEMA.read_text())
    assert sorted(found) == sorted(TAXONOMY)


def test_policies_and_cases_name_only_taxonomy_categories() -> None:
    named: set[str] = set()
    for path in POLICIES.rglob("*.cedar"):
        named |= policy_categories(path.read_text())
    assert named, "no policy reads a hazard category"
    assert named <= set(TAXONOMY), sorted(named - set(TAXONOMY))
    for path in POLICIES.glob("*cases.yaml"):
        flagged = re.findall(r"flagged:\s*\[([^\]]*)\]", path.read_text())
        cased = {c.strip() for group in flagged for c in group.split(",") if c.strip()}
        assert cased <= set(TAXONOMY), (path.name, sorted(cased - set(TAXONOMY)))


def test_absolute_categories_are_taxonomy_categories() -> None:
    assert set(get_args(Absolute)) <= set(TAXONOMY) - set(ATTACK_SIGNALS)


def test_shipped_guard_model_emits_the_taxonomy() -> None:
    card = json.loads(MODEL_CARD.read_text())
    assert card["categories"] == TAXONOMY


def test_redteam_judge_harm_is_the_taxonomy_less_attack_signals() -> None:
    assert set(HARM) == set(TAXONOMY) - set(ATTACK_SIGNALS)


def test_the_parsers_see_a_drifted_schema_and_policy() -> None:
    # The checks above are only as good as these parsers: a planted category must be seen.
    drifted = SCHEMA.read_text().replace('"jailbreak": Long,', '"jailbreak": Long, "bio_new": Long,')
    assert "bio_new" in schema_categories(drifted)
    assert policy_categories('when { context.flagged.contains("bio_new") || context.scores.cyber > 50 }') == {
        "bio_new", "cyber"}
