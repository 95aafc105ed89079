"""Helpers for tests that run the real gateway over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bastion.config import Settings
from bastion.gateway.app import create_app
from bastion.gateway.demo_upstream import DemoUpstream, Responder, echo_responder
from bastion.gateway.server import BackgroundServer
from bastion.store.accounts import AccountStore
from bastion.store.db import create_engine
from bastion.store.migrate import upgrade_async


@dataclass
class Running:
    url: str  # gateway base URL (no /v1)
    upstream_url: str
    settings: Settings
    keys: dict[str, str] = field(default_factory=dict)
    orgs: dict[str, dict[str, Any]] = field(default_factory=dict)
    upstream: DemoUpstream | None = None
    app: Any = None

    @property
    def v1(self) -> str:
        return self.url + "/v1"

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.server.admin_token}"}


def gateway_settings(db_url: str, upstream_url: str, **overrides: Any) -> Settings:
    data: dict[str, Any] = {
        "server": {"server_secret": secrets.token_hex(32), "admin_token": secrets.token_hex(16),
                   "replica_id": "test-gw"},
        "store": {"url": db_url},
        "audit": {"signing_key_file": f"{tempfile.mkdtemp(prefix='bastion-audit-')}/signing.key",
                  "checkpoint_interval_ms": 50},
        "models": {"demo-model": {"upstreams": [{"base_url": upstream_url + "/v1", "timeout_s": 5}]}},
    }
    for section, values in overrides.items():
        if isinstance(values, dict) and isinstance(data.get(section), dict):
            data[section] = {**data[section], **values}
        else:
            data[section] = values
    return Settings.model_validate(data)


async def seed_accounts(settings: Settings) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Orgs: ``active`` (T2, GB), ``pending``, ``suspended``; a key each, plus ``revoked``."""
    await upgrade_async(settings.store.url)
    engine = create_engine(settings.store.url)
    accounts = AccountStore(engine, settings.server.server_secret)
    keys: dict[str, str] = {}
    orgs: dict[str, dict[str, Any]] = {}
    try:
        for name, status, tier in (("active", "active", 2), ("pending", "pending", 0),
                                   ("suspended", "suspended", 1)):
            org = await accounts.create_org(f"{name.title()} Org", status=status, tier=tier, country="GB")
            orgs[name] = org
            keys[name] = (await accounts.create_key(org["id"], f"{name}-key")).key
        revoked = await accounts.create_key(orgs["active"]["id"], "revoked-key")
        await accounts.revoke_key(revoked.id)
        keys["revoked"] = revoked.key
    finally:
        await engine.dispose()
    return keys, orgs


@contextmanager
def running_gateway(db_url: str, responder: Responder = echo_responder, **overrides: Any) -> Iterator[Running]:
    upstream = DemoUpstream(responder)
    with BackgroundServer(upstream) as upstream_url:
        settings = gateway_settings(db_url, upstream_url, **overrides)
        keys, orgs = asyncio.run(seed_accounts(settings))
        app = create_app(settings)
        with BackgroundServer(app) as url:
            yield Running(url, upstream_url, settings, keys, orgs, upstream, app)


def wait_healthy(url: str, timeout_s: float = 20.0) -> None:
    """Poll ``url``/healthz until a (subprocess) gateway answers."""
    import time

    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not become healthy")
