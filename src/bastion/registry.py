"""Where capabilities plug in, by dotted name, so adding one touches this list and nothing else.

Each entry is ``"module:attribute"``, imported lazily:

* ``STAGES``: pipeline stage name -> factory ``(services) -> Stage``.
* ``INSTALLERS``: ``async (services) -> None`` run at start-up, in order; each sets up one
  capability on the shared ``Services`` (audit log, screening index, policy engine, guard...).
* ``ADMIN_ROUTERS``: FastAPI ``APIRouter`` objects mounted under ``/admin``.
* ``CLI_COMMANDS``: click commands or groups added to ``bastion``.
* ``METRICS``: Prometheus registries of capabilities, served with the gateway's.
"""

from __future__ import annotations

import importlib
from typing import Any

STAGES: dict[str, str] = {
    "authenticate": "bastion.gateway.stages.auth:build",
    "account_gate": "bastion.gateway.stages.account:build",
    "rate_limit": "bastion.gateway.stages.ratelimit:build",
    "access_policy": "bastion.policy.stage:build_access",
    "usage_policy": "bastion.policy.stage:build_usage",
    "input_guard": "bastion.guard.service:build_input",
}

INSTALLERS: list[str] = [
    "bastion.audit.service:install",
    "bastion.diligence.service:install",
    "bastion.policy.service:install",
    "bastion.guard.service:install",
    "bastion.monitor.service:install",
]

# Prometheus registries of capabilities, served after the gateway's own on ``GET /metrics``.
METRICS: list[str] = [
    "bastion.monitor.metrics:REGISTRY",
]

ADMIN_ROUTERS: list[str] = [
    "bastion.gateway.admin:router",
    "bastion.policy.admin:router",
    "bastion.diligence.admin:router",
    "bastion.vault.admin:router",
    "bastion.monitor.admin:router",
]

CLI_COMMANDS: list[str] = [
    "bastion.gateway.cli:serve",
    "bastion.gateway.cli:demo",
    "bastion.gateway.cli:db",
    "bastion.gateway.cli:org",
    "bastion.gateway.cli:key",
    "bastion.gateway.cli:demo_upstream",
    "bastion.audit.cli:audit",
    "bastion.policy.cli:policy",
    "bastion.guard.cli:guard",
    "bastion.diligence.cli:screen",
    "bastion.diligence.cli:kyc",
    "bastion.vault.cli:vault",
    "bastion.redteam.cli:redteam",
    "bastion.monitor.cli:monitor",
    "bastion.console.cli:console",
]


def load(ref: str) -> Any:
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)
