"""Settings for the access and usage policy (``[policy]`` in bastion.toml)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Absolute = Literal["cbrn_weapons", "autonomous_weapons", "mass_surveillance"]


class PolicySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # A folder of *.cedar files; default: the pack shipped in bastion/policy/policies/default.
    policy_dir: str | None = None
    # Country groups (JSON); default: the shipped EXAMPLE file, to be reviewed by counsel.
    country_groups_file: str | None = None
    restricted_groups: list[str] = Field(default_factory=lambda: ["example_restricted"])
    # Optional MaxMind-format GeoIP database giving the request country from the client address.
    geoip_file: str | None = None
    reload_interval_s: float = Field(2.0, ge=0)  # 0 disables watching the files
    decision_cache_size: int = Field(100_000, ge=0)
    # Absolute categories (cbrn_weapons, autonomous_weapons, mass_surveillance) the pack may let through.
    # Empty by default: a pack that does not forbid them for everyone is refused. Naming one is recorded
    # in the audit log at every start (docs/policy.md).
    waive_absolute: list[Absolute] = Field(default_factory=list)
