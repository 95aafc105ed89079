"""One typed settings object, read from ``bastion.toml`` and ``BASTION_*`` environment variables.

Environment variables override the file: ``BASTION_STORE__URL`` sets ``[store] url`` (a value that
is a JSON array or object sets a list or table, e.g. ``BASTION_SCREENING__LISTS='["sdn/"]'``); a few
common secrets have short names (``BASTION_SERVER_SECRET``, ``BASTION_ADMIN_TOKEN``,
``BASTION_DATABASE_URL``, ``BASTION_REDIS_URL``). Each capability owns its own section model in
its package (``bastion.<capability>.settings``) so that adding a setting touches one file.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bastion.audit.settings import AuditSettings
from bastion.console.settings import ConsoleSettings
from bastion.diligence.settings import ScreeningSettings
from bastion.guard.settings import GuardSettings
from bastion.monitor.settings import MonitorSettings
from bastion.policy.settings import PolicySettings
from bastion.redteam.settings import RedteamSettings
from bastion.vault.settings import VaultSettings


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: int = 8080
    replica_id: str = "gw-1"
    max_body_bytes: int = 1_048_576
    # Parsed-body limits on the proxy routes (400 above them); the depth stays below what the
    # gateway can serialise again (254).
    max_json_depth: int = Field(64, ge=1, le=254)
    max_messages: int = Field(2048, ge=1)
    max_string_chars: int = Field(1_048_576, ge=1)
    # Connection hygiene (gateway/connection.py): the request head and the body must each arrive
    # in time (408 and close otherwise), an idle kept-alive connection is closed, and a head with
    # too many or too large headers is a 431.
    header_timeout_s: float = Field(10.0, gt=0)
    body_timeout_s: float = Field(30.0, gt=0)
    keep_alive_timeout_s: int = Field(30, ge=1)
    max_header_count: int = Field(100, ge=1)
    max_header_bytes: int = Field(16_384, ge=1024)
    # HMAC key for API-key hashes and content salts; must be set outside the demo.
    server_secret: str = ""
    admin_token: str = ""
    # Admin API: its body limit (checked after the token, before the body is read), whether the
    # Swagger page /admin/docs is served (behind the token, as /admin/openapi.json always is), and
    # whether /metrics is open to anyone (by default it needs the admin token).
    admin_max_body_bytes: int = Field(65_536, ge=1)
    admin_docs: bool = False
    metrics_public: bool = False
    stage_timeout_s: float = 2.0
    # Header set by a trusted edge proxy with the client's ISO country code.
    country_header: str = "x-bastion-country"
    trust_country_header: bool = False
    # Gateway processes `bastion serve` runs on this machine (one listening socket shared by all).
    workers: int = Field(1, ge=1, le=256)
    # Refusals of requests that named no valid principal (no key, a wrong key, junk) recorded in full
    # per minute and process; the rest are counted in one record a minute (docs/operator-guide.md).
    unauthenticated_records_per_min: int = Field(60, ge=0)


class StoreSettings(Section):
    url: str = "sqlite+aiosqlite:///var/bastion.db"
    echo: bool = False


class CounterSettings(Section):
    backend: Literal["memory", "redis"] = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"
    prefix: str = "bastion:rl"


class LimitSettings(Section):
    """Defaults used when an org or key has no explicit limit (0 = unlimited)."""

    key_rpm: int = 600
    key_tpm: int = 200_000
    org_rpm: int = 3_000
    org_tpm: int = 1_000_000


class UpstreamSettings(Section):
    base_url: str
    api_key_env: str | None = None
    timeout_s: float = 60.0
    connect_timeout_s: float = 5.0


class ModelSettings(Section):
    upstreams: list[UpstreamSettings]
    # Name the upstream knows the model by, when it differs from the public name.
    upstream_model: str | None = None
    tier: Literal["open", "standard", "frontier", "restricted"] = "standard"
    family: str = "default"
    release_stage: Literal["ga", "preview", "prerelease"] = "ga"
    # Programmes whose members may use a restricted model; org ids piloting a pre-release model.
    programmes: list[str] = Field(default_factory=list)
    pilot_orgs: list[str] = Field(default_factory=list)


# The stages without which a gateway is not the one DESIGN.md describes: who is asking, may they use
# this model from here, and is this request a prohibited use. A pipeline lacking any of them, or
# listing one in ``fail_open``, starts only with ``allow_reduced = true`` (recorded in the audit log).
REQUIRED_STAGES = ("authenticate", "access_policy", "input_guard", "usage_policy")


class PipelineSettings(Section):
    stages: list[str] = Field(
        default_factory=lambda: ["authenticate", "account_gate", "access_policy", "rate_limit", "input_guard",
                                 "usage_policy"]
    )
    # Stages an operator explicitly lets fail open (audited); everything else fails closed.
    fail_open: list[str] = Field(default_factory=list)
    # Start even though a REQUIRED_STAGES stage is missing or fails open (benchmarks, a gateway behind
    # another checker). Off by default; every start with it is recorded in the audit log.
    allow_reduced: bool = False

    def missing_required(self) -> list[str]:
        return [name for name in REQUIRED_STAGES if name not in self.stages]


class Settings(Section):
    server: ServerSettings = Field(default_factory=ServerSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    counters: CounterSettings = Field(default_factory=CounterSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    models: dict[str, ModelSettings] = Field(default_factory=dict)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    screening: ScreeningSettings = Field(default_factory=ScreeningSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    guard: GuardSettings = Field(default_factory=GuardSettings)
    vault: VaultSettings = Field(default_factory=VaultSettings)
    redteam: RedteamSettings = Field(default_factory=RedteamSettings)
    monitor: MonitorSettings = Field(default_factory=MonitorSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)


_SHORT_ENV = {
    "BASTION_SERVER_SECRET": ("server", "server_secret"),
    "BASTION_ADMIN_TOKEN": ("server", "admin_token"),
    "BASTION_DATABASE_URL": ("store", "url"),
    "BASTION_REDIS_URL": ("counters", "redis_url"),
}


def _overlay_env(data: dict[str, Any], environ: dict[str, str]) -> None:
    for name, value in environ.items():
        if name in _SHORT_ENV:
            section, key = _SHORT_ENV[name]
            data.setdefault(section, {})[key] = value
        elif name.startswith("BASTION_") and "__" in name:
            path = name[len("BASTION_") :].lower().split("__")
            node = data
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = _env_value(value)


def _env_value(value: str) -> Any:
    """A JSON array or object for list and table settings (``BASTION_SCREENING__LISTS='["a.csv"]'``);
    any other value is a string, which the section model converts."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def load_settings(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read settings from ``path`` (or ``$BASTION_CONFIG``, or ``./bastion.toml`` if present)."""
    env = dict(os.environ if environ is None else environ)
    candidate = path or env.get("BASTION_CONFIG")
    data: dict[str, Any] = {}
    if candidate is None and Path("bastion.toml").exists():
        candidate = "bastion.toml"
    if candidate is not None:
        with open(candidate, "rb") as fh:
            data = tomllib.load(fh)
    _overlay_env(data, env)
    return Settings.model_validate(data)
