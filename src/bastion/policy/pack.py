"""Loading a policy pack: Cedar files validated against the schema, ids and reasons, country groups.

A pack is loaded whole or not at all: a parse or validation error raises ``PolicyError`` naming the
file and the problem, and the caller keeps the pack it had.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import cedarpy

HERE = Path(__file__).resolve().parent
DEFAULT_DIR = HERE / "policies" / "default"
SCHEMA_FILE = HERE / "bastion.cedarschema"
DEFAULT_GROUPS = HERE / "data" / "country_groups.json"


class PolicyError(ValueError):
    """A policy pack that cannot be loaded (the message says which file and why)."""


@dataclass(frozen=True)
class PolicyInfo:
    id: str
    reason: str
    effect: str
    file: str


@dataclass
class PolicyPack:
    text: str
    policy_set: cedarpy.PolicySet
    info: dict[str, PolicyInfo]  # Cedar's positional id (policy0...) -> @id, @reason
    restricted_countries: frozenset[str]
    digest: str
    files: dict[str, float] = field(default_factory=dict)  # path -> mtime, for hot reload

    def explain(self, cedar_ids: list[str]) -> list[PolicyInfo]:
        return [self.info[i] for i in cedar_ids if i in self.info]


def load_groups(path: Path, restricted: list[str]) -> frozenset[str]:
    try:
        data = json.loads(path.read_text())
        groups = data["groups"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PolicyError(f"{path}: not a country-groups file ({exc})") from exc
    members: set[str] = set()
    for name in restricted:
        if name not in groups:
            raise PolicyError(f"{path}: no country group {name!r} (have {sorted(groups)})")
        codes = groups[name]
        bad = [c for c in codes if not (isinstance(c, str) and len(c) == 2 and c.isalpha() and c.isupper())]
        if bad:
            raise PolicyError(f"{path}: group {name!r} has invalid country codes {bad}")
        members.update(codes)
    return frozenset(members)


def load_pack(policy_dir: Path | None = None, groups_file: Path | None = None,
              restricted: list[str] | None = None) -> PolicyPack:
    directory = policy_dir or DEFAULT_DIR
    files = sorted(directory.glob("*.cedar"))
    if not files:
        raise PolicyError(f"{directory}: no *.cedar files")
    schema = SCHEMA_FILE.read_text()
    texts: list[str] = []
    info: dict[str, PolicyInfo] = {}
    seen_ids: dict[str, str] = {}
    for f in files:
        text = f.read_text()
        try:
            est = json.loads(cedarpy.policies_to_json_str(text))
        except (ValueError, RuntimeError) as exc:
            raise PolicyError(f"{f.name}: {exc}") from exc
        result = cedarpy.validate_policies(text, schema)
        if not result.validation_passed:
            errors = "; ".join(str(e) for e in result.errors)
            raise PolicyError(f"{f.name}: does not validate against the schema: {errors}")
        offset = sum(len(json.loads(cedarpy.policies_to_json_str(t))["staticPolicies"]) for t in texts)
        for n, (_, pol) in enumerate(est["staticPolicies"].items()):
            notes = pol.get("annotations") or {}
            pid, reason = notes.get("id"), notes.get("reason")
            if not pid or not reason:
                raise PolicyError(f"{f.name}: every policy needs @id and @reason (policy #{n + 1} lacks one)")
            if pid in seen_ids:
                raise PolicyError(f"{f.name}: duplicate @id {pid!r} (also in {seen_ids[pid]})")
            seen_ids[pid] = f.name
            info[f"policy{offset + n}"] = PolicyInfo(pid, reason, pol["effect"], f.name)
        texts.append(text)
    full = "\n".join(texts)
    policy_set = cedarpy.PolicySet.from_str(full)
    countries = load_groups(groups_file or DEFAULT_GROUPS, restricted if restricted is not None
                            else ["example_restricted"])
    digest = hashlib.sha256(full.encode() + ",".join(sorted(countries)).encode()).hexdigest()[:16]
    mtimes = {str(f): f.stat().st_mtime for f in files}
    if groups_file:
        mtimes[str(groups_file)] = groups_file.stat().st_mtime
    return PolicyPack(full, policy_set, info, countries, digest, mtimes)
