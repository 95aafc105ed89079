"""``bastion demo``: the whole request path on embedded defaults, in one command.

Seeds a SQLite database with three orgs, starts the built-in DEMO upstream and the gateway on
loopback, drives a short scenario with the official ``openai`` client and prints what was decided
and why. Exit status 0 means every step got the decision it should have.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bastion.config import Settings


@dataclass
class Step:
    name: str
    org: str
    expected: int
    status: int = 0
    outcome: str = ""

    @property
    def ok(self) -> bool:
        return self.status == self.expected


def demo_settings(db_path: Path, upstream_url: str) -> Settings:
    return Settings.model_validate({
        "server": {"server_secret": secrets.token_hex(32), "admin_token": secrets.token_hex(16),
                   "replica_id": "demo-gw"},
        "store": {"url": f"sqlite+aiosqlite:///{db_path}"},
        "audit": {"signing_key_file": str(db_path.parent / "audit-signing.key")},
        "models": {"demo-model": {"upstreams": [{"base_url": upstream_url + "/v1"}], "tier": "standard"}},
    })


async def seed(settings: Settings) -> dict[str, str]:
    from bastion.store.accounts import AccountStore
    from bastion.store.db import create_engine
    from bastion.store.migrate import upgrade_async

    await upgrade_async(settings.store.url)
    engine = create_engine(settings.store.url)
    accounts = AccountStore(engine, settings.server.server_secret)
    keys: dict[str, str] = {}
    try:
        acme = await accounts.create_org("Acme Research Ltd", status="active", tier=2, country="GB")
        keys["acme"] = (await accounts.create_key(acme["id"], "acme-prod")).key
        keys["acme-burst"] = (await accounts.create_key(acme["id"], "acme-burst", rpm_limit=3)).key
        pending = await accounts.create_org("Pending Labs Inc", status="pending", tier=0, country="US")
        keys["pending"] = (await accounts.create_key(pending["id"], "pending-key")).key
        shady = await accounts.create_org("Suspended Trading LLC", status="suspended", tier=1, country="US")
        keys["suspended"] = (await accounts.create_key(shady["id"], "suspended-key")).key
    finally:
        await engine.dispose()
    return keys


def drive(base_url: str, keys: dict[str, str]) -> list[Step]:
    import openai

    def call(step: Step, key: str, model: str = "demo-model", stream: bool = False) -> Step:
        client = openai.OpenAI(base_url=base_url + "/v1", api_key=key, max_retries=0)
        msgs: Any = [{"role": "user", "content": "Summarise the benefits of unit tests in one line."}]
        try:
            if stream:
                parts = [c.choices[0].delta.content or "" for c in
                         client.chat.completions.create(model=model, messages=msgs, stream=True) if c.choices]
                step.status, step.outcome = 200, f"streamed {len(parts)} chunks"
            else:
                r = client.chat.completions.create(model=model, messages=msgs)
                step.status, step.outcome = 200, f"allow: {(r.choices[0].message.content or '')[:28]}..."
        except openai.APIStatusError as exc:
            body = exc.body if isinstance(exc.body, dict) else {}
            code = body.get("code") or (body.get("error") or {}).get("code")
            step.status, step.outcome = exc.status_code, f"deny: {code}"
        return step

    steps = [
        call(Step("chat, verified org", "Acme Research Ltd", 200), keys["acme"]),
        call(Step("streamed chat", "Acme Research Ltd", 200), keys["acme"], stream=True),
        call(Step("unknown model", "Acme Research Ltd", 404), keys["acme"], model="gpt-unknown"),
        call(Step("org pending approval", "Pending Labs Inc", 403), keys["pending"]),
        call(Step("org suspended", "Suspended Trading LLC", 403), keys["suspended"]),
        call(Step("wrong API key", "-", 401), "bst_" + "x" * 40),
    ]
    for i in range(5):
        steps.append(call(Step(f"burst {i + 1}/5 (limit 3 rpm)", "Acme Research Ltd", 200 if i < 3 else 429),
                          keys["acme-burst"]))
    return steps


def report(steps: list[Step]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Bastion demo: what was decided, and why")
    for col in ("step", "org", "HTTP", "decision / reason", "as expected"):
        table.add_column(col)
    for s in steps:
        table.add_row(s.name, s.org, str(s.status), s.outcome, "yes" if s.ok else f"NO (wanted {s.expected})")
    Console(width=max(Console().width, 110)).print(table)


def run_demo(keep: bool = False) -> int:
    from bastion.gateway.app import create_app
    from bastion.gateway.demo_upstream import DemoUpstream
    from bastion.gateway.server import BackgroundServer

    workdir = Path("var/demo") if keep else Path(tempfile.mkdtemp(prefix="bastion-demo-"))
    if keep and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        with BackgroundServer(DemoUpstream()) as upstream_url:
            settings = demo_settings(workdir / "bastion.db", upstream_url)
            keys = asyncio.run(seed(settings))
            with BackgroundServer(create_app(settings)) as gateway_url:
                print(f"demo upstream (DEMO, not a model) at {upstream_url}; gateway at {gateway_url}; "
                      f"database {workdir / 'bastion.db'}")
                steps = drive(gateway_url, keys)
        report(steps)
        return 0 if all(s.ok for s in steps) else 1
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
