"""CLI verbs of the gateway core: serve, demo, demo-upstream, db, org, key."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.audit.records import cli_actor
from bastion.config import Settings, load_settings
from bastion.store.accounts import AccountError, AccountStore

T = TypeVar("T")


def settings_from(ctx: click.Context) -> Settings:
    try:
        return load_settings(ctx.obj.get("config") if ctx.obj else None)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot load settings: {exc}") from exc


Recorder = Callable[[str, str, dict[str, Any]], Awaitable[None]]


@asynccontextmanager
async def cli_store(settings: Settings, audit: bool) -> AsyncIterator[tuple[AsyncEngine, Recorder]]:
    """The configured database (migrated first) and a recorder that appends admin records to the
    audit log when ``audit`` is on and the log is enabled (a no-op otherwise)."""
    from bastion.store.db import create_engine
    from bastion.store.migrate import upgrade_async

    await upgrade_async(settings.store.url)
    engine = create_engine(settings.store.url)
    log = None
    try:
        if audit and settings.audit.enabled:
            from bastion.audit.service import open_audit_log

            log = await open_audit_log(settings, engine)

        async def record(action: str, actor: str, details: dict[str, Any]) -> None:
            if log is not None:
                from bastion.audit.records import admin_record

                await log.append(admin_record(action, actor, details))

        yield engine, record
    finally:
        if log is not None:
            await log.close()
        await engine.dispose()


def with_accounts(ctx: click.Context, fn: Callable[[AccountStore], Awaitable[T]],
                  action: str | None = None, details: Callable[[T], dict[str, Any]] | None = None) -> T:
    """Run ``fn`` against the configured database (migrated first). A change (``action``) is
    appended to the audit log, as the admin API does, with the OS user as the actor."""
    settings = settings_from(ctx)
    if not settings.server.server_secret:
        raise click.ClickException("server.server_secret is not set (BASTION_SERVER_SECRET)")

    async def go() -> T:
        async with cli_store(settings, audit=action is not None) as (engine, record):
            result = await fn(AccountStore(engine, settings.server.server_secret))
            if action is not None:
                await record(action, cli_actor(), details(result) if details else {})
            return result

    try:
        return asyncio.run(go())
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc


def emit(obj: Any) -> None:
    click.echo(json.dumps(obj, default=str, indent=2))


@click.command()
@click.option("--host", default=None, help="Bind address (default from settings).")
@click.option("--port", type=int, default=None, help="Port (default from settings).")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Gateway processes sharing the port (default server.workers, 1). Needs Redis counters.")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Run the gateway (long-running)."""
    from bastion.gateway.safeguards import ReducedPipeline, check_pipeline
    from bastion.gateway.workers import WorkersRefused, check_workers, run_workers, show_startup_log

    settings = settings_from(ctx)
    if not settings.server.server_secret:
        raise click.ClickException("server.server_secret is not set (BASTION_SERVER_SECRET); refusing to start")
    if not settings.models:
        raise click.ClickException("no models configured: add [models.NAME] sections to bastion.toml")
    count = workers or settings.server.workers
    try:
        check_pipeline(settings.pipeline)  # again in each process at start-up; here for one clear line
        check_workers(settings, count)
    except (ReducedPipeline, WorkersRefused) as exc:
        raise click.ClickException(str(exc)) from exc
    show_startup_log()
    bind_host, bind_port = host or settings.server.host, port or settings.server.port
    if count == 1:
        from bastion.gateway.app import create_app
        from bastion.gateway.server import run

        run(create_app(settings), bind_host, bind_port)
        return
    try:
        status = run_workers(settings, bind_host, bind_port, count, ctx.obj.get("config") if ctx.obj else None)
    except WorkersRefused as exc:
        raise click.ClickException(str(exc)) from exc
    sys.exit(status)


@click.command("demo-upstream")
@click.option("--host", default="127.0.0.1")
@click.option("--port", type=int, default=9000)
@click.option("--model", "models", multiple=True, default=("demo-model",))
@click.option("--responder", default=None, help="module:function producing answers (default: echo).")
@click.option("--latency-ms", type=float, default=0.0)
def demo_upstream(host: str, port: int, models: tuple[str, ...], responder: str | None, latency_ms: float) -> None:
    """Run the built-in deterministic DEMO upstream (not a model; for demos and tests)."""
    from bastion.gateway.demo_upstream import DemoUpstream, echo_responder
    from bastion.gateway.server import run
    from bastion.registry import load

    fn = load(responder) if responder else echo_responder
    run(DemoUpstream(fn, models, latency_ms), host, port)


@click.command()
@click.option("--keep", is_flag=True, help="Keep the demo database under var/demo/ afterwards.")
@click.option("--stay", is_flag=True, help="Keep the gateway (and its console) up until Enter is pressed.")
def demo(keep: bool, stay: bool) -> None:
    """Seed a SQLite database, start the demo upstream and the gateway, drive a scenario, print it."""
    from bastion.gateway.demo import run_demo

    sys.exit(run_demo(keep=keep, stay=stay))


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply all migrations to the configured database."""
    from bastion.store.migrate import upgrade

    upgrade(settings_from(ctx.find_root()).store.url)
    click.echo("database is at the latest revision")


@click.group()
def org() -> None:
    """Organisations: create, list, show, suspend, activate, close."""


@org.command("create")
@click.argument("name")
@click.option("--status", type=click.Choice(["pending", "active", "suspended", "closed"]), default="pending")
@click.option("--tier", type=click.IntRange(0, 3), default=0)
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 country of incorporation.")
@click.option("--programme", "programmes", multiple=True)
@click.option("--keep-content", is_flag=True, help="Keep prompt/answer text in the audit log for this org.")
@click.pass_context
def org_create(ctx: click.Context, name: str, status: str, tier: int, country: str | None,
               programmes: tuple[str, ...], keep_content: bool) -> None:
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise click.ClickException(f"--country must be a two-letter ISO code, not {country!r}")
    emit(with_accounts(ctx.find_root(), lambda a: a.create_org(
        name, status=status, tier=tier, country=country, programmes=programmes, keep_content=keep_content),
        "org.created", lambda org: {"org_id": org["id"], "status": org["status"]}))


@org.command("list")
@click.option("--status", default=None)
@click.pass_context
def org_list(ctx: click.Context, status: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    rows = with_accounts(ctx.find_root(), lambda a: a.list_orgs(status))
    table = Table("id", "name", "status", "tier", "country", "screening")
    for r in rows:
        table.add_row(r["id"], r["name"], r["status"], f"T{r['tier']}", r["country"] or "-", r["screening_state"])
    Console().print(table)


@org.command("show")
@click.argument("org")
@click.pass_context
def org_show(ctx: click.Context, org: str) -> None:
    emit(with_accounts(ctx.find_root(), lambda a: a.find_org(org)))


def _status_command(name: str, status: str) -> click.Command:
    @click.command(name, help=f"Set an org's status to {status}.")
    @click.argument("org")
    @click.pass_context
    def cmd(ctx: click.Context, org: str) -> None:
        async def go(a: AccountStore) -> dict[str, Any]:
            return await a.set_org_status((await a.find_org(org))["id"], status)

        emit(with_accounts(ctx.find_root(), go, f"org.{status}", lambda o: {"org_id": o["id"]}))

    return cmd


for _name, _status in (("suspend", "suspended"), ("activate", "active"), ("close", "closed")):
    org.add_command(_status_command(_name, _status))


@click.group()
def key() -> None:
    """API keys: create (shown once), list, revoke."""


@key.command("create")
@click.argument("org")
@click.option("--name", default=None)
@click.option("--rpm", type=click.IntRange(0), default=None,
              help="Requests per minute for this key; 0 = unlimited (default: [limits] key_rpm).")
@click.option("--tpm", type=click.IntRange(0), default=None,
              help="Tokens per minute for this key; 0 = unlimited (default: [limits] key_tpm).")
@click.pass_context
def key_create(ctx: click.Context, org: str, name: str | None, rpm: int | None, tpm: int | None) -> None:
    async def go(a: AccountStore) -> dict[str, Any]:
        issued = await a.create_key((await a.find_org(org))["id"], name, None, rpm, tpm)
        return {"id": issued.id, "key": issued.key, "prefix": issued.prefix}

    out = with_accounts(ctx.find_root(), go, "key.created", lambda k: {"key_id": k["id"], "prefix": k["prefix"]})
    emit(out)
    click.echo("This is the only time the key is shown. Store it now.", err=True)


@key.command("list")
@click.argument("org")
@click.pass_context
def key_list(ctx: click.Context, org: str) -> None:
    async def go(a: AccountStore) -> list[dict[str, Any]]:
        return await a.list_keys((await a.find_org(org))["id"])

    emit(with_accounts(ctx.find_root(), go))


@key.command("revoke")
@click.argument("key_id")
@click.pass_context
def key_revoke(ctx: click.Context, key_id: str) -> None:
    emit(with_accounts(ctx.find_root(), lambda a: a.revoke_key(key_id), "key.revoked",
                       lambda k: {"key_id": k["id"], "org_id": k["org_id"]}))
