"""The absolute prohibitions, checked by behaviour: a pack that lets any of them through is refused.

The mission's absolute rules (no help with CBRN weapons, fully autonomous weapons or mass domestic
surveillance, for anyone) live in Cedar as plain ``forbid`` policies, so an operator's ``policy_dir``
could drop or weaken them by accident. Reading the text for a forbid proves little (an ``unless`` or an
extra ``&&`` weakens it), so the check asks the pack itself: with a blanket ``permit`` added, every
probe request flagged with an absolute category must be denied. The probes vary every attribute a
policy can read, using every string literal the pack mentions (so a programme, country or declared use
named in an ``unless`` is tried), every verification tier and model tier, both stages, the extreme
scores and every hour of the day.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, get_args

import cedarpy

from bastion.policy.engine import ACTIONS, SCORED
from bastion.policy.pack import PolicyError, PolicyPack
from bastion.policy.settings import Absolute

ABSOLUTE: tuple[str, ...] = get_args(Absolute)  # one list: the settings type names the waivable categories
_BLANKET = '@id("probe.blanket_permit")\n@reason("probe")\npermit(principal, action, resource);'
_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


class AbsoluteRuleMissing(PolicyError):
    """A policy pack that would permit a request in an absolute category (the message names which)."""


def _literals(text: str) -> list[str]:
    """String literals in the policies (annotations excluded), plus the empty string."""
    body = re.sub(r"^\s*@\w+\(.*\)\s*$", "", text, flags=re.MULTILINE)
    return sorted({"", *(m.group(1) for m in _LITERAL.finditer(body))})


def _entities(org: dict[str, Any], model: dict[str, Any]) -> cedarpy.Entities:
    org_uid = {"type": "Org", "id": "probe_org"}
    return cedarpy.Entities.from_json_str(json.dumps([
        {"uid": org_uid, "parents": [], "attrs": org},
        {"uid": {"type": "ApiKey", "id": "probe_key"}, "parents": [org_uid], "attrs": {"org": {"__entity": org_uid}}},
        {"uid": {"type": "Model", "id": "probe_model"}, "parents": [],
         "attrs": {**model, "pilots": [{"__entity": org_uid}]}},
        {"uid": {"type": "CountryGroup", "id": "restricted"}, "parents": [], "attrs": {"members": []}},
    ]))


def _probes(category: str, words: list[str]) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """(org, model, context) triples: one attribute at a time varied around the most privileged caller
    (every programme named anywhere, top tier, screened clear), as an exemption would need to single it out."""
    org = {"name": "probe", "status": "active", "tier": 3, "country": "", "programmes": words,
           "screening": "clear", "declared_use": ""}
    model = {"tier": "open", "family": "", "release_stage": "ga", "programmes": words}
    scores = {c: 100 if c == category else 0 for c in SCORED}
    ctx = {"stage": "usage", "request_country": "", "flagged": [category], "scores": scores,
           "declared_use": "", "hour_utc": 12}
    for tier in range(4):
        yield {**org, "tier": tier}, model, ctx
    for slot in ("name", "status", "country", "screening", "declared_use"):
        for w in words:
            yield {**org, slot: w}, model, ctx
    for model_tier in ("open", "standard", "frontier", "restricted"):
        yield org, {**model, "tier": model_tier}, ctx
    for slot in ("family", "release_stage"):
        for w in words:
            yield org, {**model, slot: w}, ctx
    for score, hour in itertools.product((0, 1, 50, 99, 100), range(24)):
        yield org, model, {**ctx, "scores": {**scores, category: score}, "hour_utc": hour}
    for w in words:
        yield org, model, {**ctx, "request_country": w}
        yield org, model, {**ctx, "declared_use": w}
        yield org, model, {**ctx, "flagged": [category, w]}


def leaks(pack: PolicyPack, categories: Iterable[str] = ABSOLUTE) -> list[str]:
    """The absolute categories that some probe request gets through (empty: the pack holds them all)."""
    key = (pack.digest, tuple(categories))
    if key not in _checked:
        words = _literals(pack.text)
        policies = pack.policy_set.with_added_str(_BLANKET)
        _checked[key] = [c for c in key[1] if any(_allowed(policies, *probe) for probe in _probes(c, words))]
    return list(_checked[key])


_checked: dict[tuple[str, tuple[str, ...]], list[str]] = {}  # by pack digest: reloads of one pack are free


def _allowed(policies: cedarpy.PolicySet, org: dict[str, Any], model: dict[str, Any], ctx: dict[str, Any]) -> bool:
    requests = [{"principal": {"type": "ApiKey", "id": "probe_key"}, "action": {"type": "Action", "id": a},
                 "resource": {"type": "Model", "id": "probe_model"}, "context": ctx} for a in ACTIONS]
    return any(r.allowed for r in cedarpy.is_authorized_batch(requests, policies, _entities(org, model)))


def check(pack: PolicyPack, waived: Iterable[str] = ()) -> None:
    """Refuse a pack that lets an absolute category through, unless the operator waived that category."""
    missing = [c for c in leaks(pack) if c not in set(waived)]
    if missing:
        raise AbsoluteRuleMissing(
            f"the policy pack does not forbid {', '.join(missing)} for every principal: the absolute "
            "prohibitions must hold (keep the usage.* forbids of the default pack without unless-clauses), "
            "or name the categories in policy.waive_absolute (audited)")
