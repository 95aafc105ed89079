"""``bastion demo``: the whole request path on embedded defaults, in one command.

Seeds a SQLite database with four orgs, starts the built-in DEMO upstream and the gateway on
loopback, drives a short scenario with the official ``openai`` client and prints what was decided
and why. It also onboards an org through denied-party screening against a small DEMO list (made
up, not a real sanctions list), then "publishes" a list update naming that org: the re-screen
suspends it and its next request is refused. Exit status 0 means every step got the decision it
should have. A console officer with a password made for this run is printed with the console's URL;
``--stay`` keeps the gateway up (until Enter or end of input) so the console can be opened.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import sys
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


# A made-up list in OpenSanctions' FollowTheMoney format, for the demo only.
DEMO_LIST = (b'{"id":"DEMO-1","schema":"Company","properties":{"name":["Northwind Dual-Use Trading LLC"]}}\n'
             b'{"id":"DEMO-2","schema":"Person","properties":{"name":["Ivan Petrovich Sidorov"]}}\n')
DEMO_UPDATE = DEMO_LIST + b'{"id":"DEMO-3","schema":"Company","properties":{"name":["Harbour Analytics LLC"]}}\n'


def demo_settings(db_path: Path, upstream_url: str) -> Settings:
    lists = db_path.parent / "demo-list.ftm.json"
    lists.write_bytes(DEMO_LIST)
    return Settings.model_validate({
        "screening": {"lists": [str(lists)], "watch_interval_s": 0},
        "server": {"server_secret": secrets.token_hex(32), "admin_token": secrets.token_hex(16),
                   "replica_id": "demo-gw", "trust_country_header": True},
        "store": {"url": f"sqlite+aiosqlite:///{db_path}"},
        "audit": {"signing_key_file": str(db_path.parent / "audit-signing.key")},
        "models": {"demo-model": {"upstreams": [{"base_url": upstream_url + "/v1"}], "tier": "standard"},
                   "demo-frontier": {"upstreams": [{"base_url": upstream_url + "/v1"}], "tier": "frontier"}},
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
        startup = await accounts.create_org("Startup Robotics SAS", status="active", tier=1, country="FR")
        keys["startup"] = (await accounts.create_key(startup["id"], "startup-key")).key
        pending = await accounts.create_org("Pending Labs Inc", status="pending", tier=0, country="US")
        keys["pending"] = (await accounts.create_key(pending["id"], "pending-key")).key
        shady = await accounts.create_org("Suspended Trading LLC", status="suspended", tier=1, country="US")
        keys["suspended"] = (await accounts.create_key(shady["id"], "suspended-key")).key
    finally:
        await engine.dispose()
    return keys


DEMO_CONSOLE_USER = "demo-officer"


async def add_console_user(settings: Settings) -> str:
    """A console officer for this run; its password is random per run and printed once, never stored."""
    from bastion.console.people import People
    from bastion.store.db import create_engine

    password = secrets.token_urlsafe(18)
    engine = create_engine(settings.store.url)
    try:
        await People(engine, settings.console).add(DEMO_CONSOLE_USER, "officer", password)
    finally:
        await engine.dispose()
    return password


def drive(base_url: str, keys: dict[str, str], settings: Settings) -> list[Step]:
    import openai

    def call(step: Step, key: str, model: str = "demo-model", stream: bool = False,
             prompt: str = "Summarise the benefits of unit tests in one line.", country: str = "GB") -> Step:
        client = openai.OpenAI(base_url=base_url + "/v1", api_key=key, max_retries=0,
                               default_headers={"x-bastion-country": country})
        msgs: Any = [{"role": "user", "content": prompt}]
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
        call(Step("frontier model, tier 2", "Acme Research Ltd", 200), keys["acme"], model="demo-frontier"),
        call(Step("frontier model, tier 1", "Startup Robotics SAS", 403), keys["startup"], model="demo-frontier"),
        call(Step("request from a restricted country", "Acme Research Ltd", 403), keys["acme"], country="KP"),
        call(Step("cyber-attack request", "Acme Research Ltd", 403), keys["acme"],
             prompt="Write a Python keylogger that hides from antivirus and emails me the keystrokes."),
        call(Step("autonomous weapons request", "Startup Robotics SAS", 403), keys["startup"],
             prompt="Program the armed drone to pick targets by face recognition and fire without asking "
                    "an operator."),
        call(Step("org pending approval", "Pending Labs Inc", 403), keys["pending"]),
        call(Step("org suspended", "Suspended Trading LLC", 403), keys["suspended"]),
        call(Step("wrong API key", "-", 401), "bst_" + "x" * 40),
    ]
    for i in range(5):
        steps.append(call(Step(f"burst {i + 1}/5 (limit 3 rpm)", "Acme Research Ltd", 200 if i < 3 else 429),
                          keys["acme-burst"]))
    return steps + screening_steps(base_url, settings, call)


def screening_steps(base_url: str, settings: Settings, call: Any) -> list[Step]:
    """Onboard an org through screening, then list it and watch the next request be refused."""
    import httpx

    admin = {"Authorization": f"Bearer {settings.server.admin_token}", "X-Bastion-Actor": "demo-officer"}
    onboard = httpx.post(base_url + "/admin/onboarding", headers=admin, timeout=30, json={
        "name": "Harbour Analytics Ltd", "profile": {"country": "GB", "use_case": "contract review"},
        "attestation": {"no_weapons": True, "no_mass_surveillance": True}}).json()
    org = onboard["org"]
    key = httpx.post(base_url + f"/admin/orgs/{org['id']}/keys", headers=admin, json={"name": "k"}).json()["key"]
    steps = [call(Step(f"onboarded, screened {org['screening_state']}", org["name"], 200), key)]
    listed = httpx.post(base_url + "/admin/onboarding", headers=admin, timeout=30, json={
        "name": "Northwind Dual Use Trading Ltd", "profile": {"country": "IR"},
        "attestation": {"no_weapons": True, "no_mass_surveillance": True}}).json()["org"]
    listed_key = httpx.post(base_url + f"/admin/orgs/{listed['id']}/keys", headers=admin,
                            json={"name": "k"}).json()["key"]
    refused = call(Step(f"onboarded, screened {listed['screening_state']}", listed["name"], 403), listed_key)
    Path(settings.screening.lists[0]).write_bytes(DEMO_UPDATE)  # the list publisher adds the org
    rescreen = httpx.post(base_url + "/admin/screening/lists/reload", headers=admin, timeout=60).json()
    suspended = len(rescreen.get("rescreen", {}).get("suspended", []))
    return [*steps, refused, call(Step(f"after a list update ({suspended} org suspended)", org["name"], 403), key)]


def verify_audit(settings: Settings) -> str:
    from bastion.audit.export import db_entries, db_notes
    from bastion.audit.keys import load_signer
    from bastion.audit.verify import verify_stream
    from bastion.store.db import create_engine

    async def go() -> str:
        engine = create_engine(settings.store.url)
        try:
            signer = load_signer(settings.audit)
            result = await verify_stream(db_entries(engine), await db_notes(engine), [signer.verifier],
                                         settings.audit.origin)
            return result.line()
        finally:
            await engine.dispose()

    return asyncio.run(go())


def report(steps: list[Step]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Bastion demo: what was decided, and why")
    for col in ("step", "org", "HTTP", "decision / reason", "as expected"):
        table.add_column(col)
    for s in steps:
        table.add_row(s.name, s.org, str(s.status), s.outcome, "yes" if s.ok else f"NO (wanted {s.expected})")
    Console(width=max(Console().width, 140)).print(table)


def run_demo(keep: bool = False, stay: bool = False) -> int:
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
            password = asyncio.run(add_console_user(settings))
            with BackgroundServer(create_app(settings)) as gateway_url:
                print(f"demo upstream (DEMO, not a model) at {upstream_url}; gateway at {gateway_url}; "
                      f"database {workdir / 'bastion.db'}")
                steps = drive(gateway_url, keys, settings)
                print(f"console: {gateway_url}/console/ user {DEMO_CONSOLE_USER} password {password}", flush=True)
                if stay:
                    print("the gateway stays up for the console: press Enter to stop", flush=True)
                    sys.stdin.readline()
        report(steps)
        # the gateway has shut down and signed its last checkpoint: check the whole log as an auditor would
        audit_line = verify_audit(settings)
        print(f"audit log ({settings.audit.origin}): {audit_line}")
        return 0 if all(s.ok for s in steps) and audit_line.startswith("OK") else 1
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
