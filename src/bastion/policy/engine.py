"""Cedar decisions for Bastion: entities from the principal and model, context from the request.

Pure apart from the pack it holds: ``decide`` takes data and returns a ``PolicyDecision``. Two caches
make the common request cheap: the Cedar ``Entities`` per (org version, key, model), and the decision
itself per (pack, org version, key, model, action, context). An org's ``version`` changes with every
change to it, so neither cache can serve a stale answer for an org this process has seen change.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import cedarpy

from bastion.config import ModelSettings
from bastion.gateway.context import Principal
from bastion.policy.pack import PolicyInfo, PolicyPack

ACTIONS = ("invoke", "list_models", "fine_tune", "download_weights", "view_audit")
SCORED = ("cbrn_weapons", "cyber_offense", "autonomous_weapons", "mass_surveillance", "influence_operations",
          "general_harm", "jailbreak", "prompt_injection")


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    allowed: bool
    policies: tuple[PolicyInfo, ...]  # the policies that determined the decision
    errors: tuple[str, ...] = ()

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.policies]

    @property
    def reasons(self) -> list[str]:
        return [p.reason for p in self.policies]

    def summary(self) -> str:
        if self.allowed:
            return "allowed by " + ", ".join(self.ids)
        if not self.policies:
            return "denied: no policy permits this"
        return "denied: " + " ".join(self.reasons)


class _Lru(OrderedDict[Any, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or(self, key: Any) -> Any:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> None:
        if self.size <= 0:
            return
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)


def _org_uid(org_id: str) -> dict[str, str]:
    return {"type": "Org", "id": org_id}


def entities_json(p: Principal, model: str, m: ModelSettings, restricted: Iterable[str]) -> list[dict[str, Any]]:
    org = _org_uid(p.org_id)
    return [
        {"uid": org, "parents": [], "attrs": {
            "name": p.org_name, "status": p.org_status, "tier": p.tier, "country": p.country or "",
            "programmes": list(p.programmes), "screening": p.screening_state, "declared_use": p.declared_use or ""}},
        {"uid": {"type": "ApiKey", "id": p.key_id}, "parents": [org], "attrs": {"org": {"__entity": org}}},
        {"uid": {"type": "Model", "id": model}, "parents": [], "attrs": {
            "tier": m.tier, "family": m.family, "release_stage": m.release_stage, "programmes": list(m.programmes),
            "pilots": [{"__entity": _org_uid(o)} for o in m.pilot_orgs]}},
        {"uid": {"type": "CountryGroup", "id": "restricted"}, "parents": [], "attrs": {"members": sorted(restricted)}},
    ]


def org_principal(org: Mapping[str, Any], key_id: str = "key_admin") -> Principal:
    """A principal for an org acting through the admin API or the CLI (no API key of its own)."""
    return Principal(
        org_id=str(org["id"]), org_name=str(org["name"]), org_status=str(org["status"]), key_id=key_id,
        key_prefix="bst_" + key_id[-8:], key_status="active", tier=int(org["tier"]), country=org["country"],
        programmes=tuple(org["programmes"] or ()), screening_state=str(org["screening_state"]),
        declared_use=org["declared_use"], org_version=int(org.get("version", 1)))


class PolicyEngine:
    def __init__(self, pack: PolicyPack, models: dict[str, ModelSettings], cache_size: int = 100_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.models = models
        self.clock = clock  # policies may read the hour: it is part of every decision's cache key
        self.cache_size = cache_size
        self._entities = _Lru(min(cache_size, 10_000))
        self._decisions = _Lru(cache_size)
        self.pack = pack
        self.swap(pack)

    def swap(self, pack: PolicyPack) -> None:
        """Install a new pack atomically (one assignment); caches keyed on the old one are dropped."""
        self.pack = pack
        self._entities.clear()
        self._decisions.clear()

    def _entities_for(self, p: Principal, model: str) -> Any:
        key = (p.org_id, p.org_version, p.key_id, model, self.pack.digest)
        ents = self._entities.get_or(key)
        if ents is None:
            ents = cedarpy.Entities.from_json_str(json.dumps(
                entities_json(p, model, self.models[model], self.pack.restricted_countries)))
            self._entities.put(key, ents)
        return ents

    def decide(self, p: Principal, model: str, action: str = "invoke", *, stage: str = "access",
               request_country: str | None = None, flagged: Iterable[str] = (),
               scores: Mapping[str, float] | None = None, cached: bool = True) -> PolicyDecision:
        if model not in self.models:
            return PolicyDecision(False, (), (f"unknown model {model!r}",))
        if action not in ACTIONS:
            return PolicyDecision(False, (), (f"unknown action {action!r}",))
        flags = tuple(sorted(set(flagged)))
        percent = tuple(round(100 * (scores or {}).get(c, 0.0)) for c in SCORED)
        hour = time.gmtime(self.clock()).tm_hour
        # Every context field a policy can read is in the key (the entities are keyed by org version).
        key = (self.pack.digest, p.org_id, p.org_version, p.key_id, p.key_status, p.declared_use, model, action,
               stage, request_country, flags, percent, hour)
        if cached:
            hit = self._decisions.get_or(key)
            if hit is not None:
                return hit  # type: ignore[no-any-return]
        request = {
            "principal": {"type": "ApiKey", "id": p.key_id},
            "action": {"type": "Action", "id": action},
            "resource": {"type": "Model", "id": model},
            "context": {"stage": stage, "request_country": request_country or "", "flagged": list(flags),
                        "scores": dict(zip(SCORED, percent, strict=True)),
                        "declared_use": p.declared_use or "", "hour_utc": hour},
        }
        result = cedarpy.is_authorized(request, self.pack.policy_set, self._entities_for(p, model))
        diagnostics = result.diagnostics
        decision = PolicyDecision(bool(result.allowed), tuple(self.pack.explain(sorted(diagnostics.reasons))),
                                  tuple(str(e) for e in diagnostics.errors))
        if decision.errors:
            # An evaluation error means a policy could not be checked: deny, uncached (fail closed).
            return PolicyDecision(False, decision.policies, decision.errors)
        if cached:
            self._decisions.put(key, decision)
        return decision

    def permitted_models(self, p: Principal, request_country: str | None, names: Iterable[str]) -> list[str]:
        return [n for n in names if n in self.models
                and self.decide(p, n, "list_models", request_country=request_country).allowed]
