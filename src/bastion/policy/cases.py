"""Policy test cases (YAML): a principal, a model, a context -> the expected decision and policy ids.

```yaml
cases:
  - name: frontier model refused below tier 2
    org: {tier: 1, country: GB}            # Principal fields: tier, country, programmes, screening_state...
    model: {tier: frontier}                # ModelSettings fields (upstreams not needed)
    action: invoke                         # default invoke
    context: {stage: access, request_country: GB, flagged: []}
    expect: deny                           # allow | deny
    policies: [access.frontier_requires_tier2]   # optional: exactly these ids decided
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bastion.config import ModelSettings
from bastion.gateway.context import Principal
from bastion.policy.engine import PolicyEngine
from bastion.policy.pack import PolicyError, PolicyPack

DEFAULT_CASES = Path(__file__).resolve().parent / "policies" / "default-cases.yaml"
_ORG_FIELDS = {"tier", "country", "programmes", "screening_state", "org_status", "declared_use", "org_name"}


@dataclass
class CaseResult:
    name: str
    passed: bool
    detail: str


def principal_from(spec: dict[str, Any], index: int = 0) -> Principal:
    unknown = set(spec) - _ORG_FIELDS - {"id"}
    if unknown:
        raise PolicyError(f"case org has unknown fields {sorted(unknown)}")
    fields = {k: v for k, v in spec.items() if k in _ORG_FIELDS}
    if "programmes" in fields:
        fields["programmes"] = tuple(fields["programmes"])
    org_id = spec.get("id", f"org_case_{index}")
    return Principal(org_id=org_id, org_name=fields.pop("org_name", "Case Org"),
                     org_status=fields.pop("org_status", "active"), key_id=f"key_case_{index}",
                     key_prefix="bst_case0000", key_status="active", **fields)


def run_cases(pack: PolicyPack, path: Path) -> list[CaseResult]:
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path}: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        raise PolicyError(f"{path}: expected a mapping with a 'cases' list")
    results: list[CaseResult] = []
    for i, case in enumerate(doc["cases"]):
        name = case.get("name", f"case {i + 1}")
        try:
            principal = principal_from(case.get("org") or {}, i)
            model = ModelSettings.model_validate({"upstreams": [], **(case.get("model") or {})})
        except (PolicyError, ValueError) as exc:
            results.append(CaseResult(name, False, f"bad case: {exc}"))
            continue
        engine = PolicyEngine(pack, {"case-model": model}, cache_size=0)
        ctx = case.get("context") or {}
        decision = engine.decide(principal, "case-model", case.get("action", "invoke"),
                                 stage=ctx.get("stage", "access"), request_country=ctx.get("request_country"),
                                 flagged=ctx.get("flagged") or [])
        got = "allow" if decision.allowed else "deny"
        ok = got == case.get("expect")
        want_ids = case.get("policies")
        if ok and want_ids is not None and sorted(want_ids) != sorted(decision.ids):
            ok = False
        results.append(CaseResult(name, ok, f"got {got} by {decision.ids or ['(no permit)']}"
                                  + ("" if ok else f"; expected {case.get('expect')} by {want_ids}")))
    return results
