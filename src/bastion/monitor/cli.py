"""``bastion monitor``: account monitoring from the command line: replay, the stream worker, cases."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import IO, Any, TypeVar

import click

from bastion.gateway.cli import cli_store, emit, settings_from
from bastion.monitor.fingerprint import Fingerprinter
from bastion.monitor.replay import replay as run_replay

# Used when no server secret is configured: replay keeps no fingerprint beyond the run, so the key
# only has to make runs repeatable (same input, same verdicts).
_REPLAY_SECRET = "bastion-monitor-replay"


@click.group()
def monitor() -> None:
    """Account risk over time: distillation, guard probing, key sharing, coordinated accounts."""


@monitor.command("replay")
@click.option("--input", "input_", type=click.File("rb"), default="-",
              help="JSON Lines of events (default stdin); see docs/monitor.md.")
@click.option("--output", type=click.File("w"), default="-", help="Verdicts, one JSON line per org (default stdout).")
@click.pass_context
def replay(ctx: click.Context, input_: IO[bytes], output: IO[str]) -> None:
    """Replay events and write one verdict per org: {"org","risk","action","signals"}.

    Each event's prompt is fingerprinted as it is read and then dropped. A line that is not an event is
    skipped with a message naming its line number; the verdicts on everything else are still written,
    and the exit status is 2 when any line was skipped.
    """
    settings = settings_from(ctx)
    fingerprinter = Fingerprinter.from_secret(settings.server.server_secret or _REPLAY_SECRET)

    def bad(n: int, why: str) -> None:
        click.echo(f"line {n}: skipped: {why}", err=True)

    result = run_replay(input_, fingerprinter, settings.monitor, on_bad=bad)
    for v in result.verdicts:
        output.write(json.dumps(v.as_json(), sort_keys=False) + "\n")
    output.flush()
    actioned = sum(1 for v in result.verdicts if v.action != "none")
    click.echo(f"replay: {result.events} events, {result.orgs} orgs, {actioned} actioned, "
               f"{result.bad_lines} bad lines skipped", err=True)
    if result.bad_lines:
        sys.exit(2)


T = TypeVar("T")


def _with_cases(ctx: click.Context, fn: Callable[[Any, Any], Awaitable[T]]) -> T:
    """Run ``fn(cases, record_admin)`` against the configured database and audit log."""
    from bastion.monitor.cases import CaseError, CaseStore

    settings = settings_from(ctx)

    async def go() -> T:
        async with cli_store(settings, audit=True) as (engine, record):
            return await fn(CaseStore(engine), record)

    try:
        return asyncio.run(go())
    except CaseError as exc:
        raise click.ClickException(str(exc)) from exc


@monitor.command("run")
@click.option("--consumer", default=None, help="This worker's consumer name in the group (default host:pid).")
@click.option("--once", is_flag=True, help="Re-claim and read until the stream has nothing new, then exit.")
@click.pass_context
def run(ctx: click.Context, consumer: str | None, once: bool) -> None:
    """Read the gateway's event stream in a consumer group, feed the engine, open cases and act.

    Needs [monitor] redis_url (the same as the gateway's). Runs until SIGINT or SIGTERM.
    """
    import redis.asyncio as aioredis

    from bastion.monitor.actions import Actioner, EngineFeed
    from bastion.monitor.cases import CaseStore
    from bastion.monitor.engine import MonitorEngine
    from bastion.monitor.worker import StreamWorker
    from bastion.store.accounts import AccountStore

    settings = settings_from(ctx)
    ms = settings.monitor
    if not ms.redis_url:
        raise click.ClickException("[monitor] redis_url is not set: without it the gateway runs the monitor "
                                   "in-process and there is no stream to read")
    if not settings.server.server_secret:
        raise click.ClickException("server.server_secret is not set (BASTION_SERVER_SECRET)")
    url, name = ms.redis_url, consumer or f"{socket.gethostname()}:{os.getpid()}"

    async def go() -> StreamWorker:
        async with cli_store(settings, audit=True) as (engine, record):
            accounts = AccountStore(engine, settings.server.server_secret)
            feed = EngineFeed(MonitorEngine(ms), Actioner(ms, CaseStore(engine), accounts, record))
            client = aioredis.from_url(url)
            worker = StreamWorker(client, ms, name, feed)
            try:
                if once:
                    await worker.drain()
                else:
                    stop = asyncio.Event()
                    loop = asyncio.get_running_loop()
                    for sig in (signal.SIGINT, signal.SIGTERM):
                        loop.add_signal_handler(sig, stop.set)
                    click.echo(f"monitor: consumer {name} reading {ms.stream} (group {ms.group})", err=True)
                    await worker.run(stop)
            finally:
                await client.aclose()
            return worker

    worker = asyncio.run(go())
    click.echo(f"monitor: {worker.processed} events ({worker.reclaimed} re-claimed), "
               f"{len(worker.cases)} cases opened or escalated", err=True)


@monitor.command("cases")
@click.option("--status", type=click.Choice(["open", "confirmed", "dismissed"]), default=None)
@click.option("--org", default=None, help="Only this org's cases.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100)
@click.pass_context
def cases(ctx: click.Context, status: str | None, org: str | None, limit: int) -> None:
    """List review cases, newest first (one JSON line each)."""

    async def fn(store: Any, record: Any) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await store.list(status, org, limit)
        return result

    for case in _with_cases(ctx, fn):
        click.echo(json.dumps({k: case[k] for k in ("id", "org_id", "status", "action", "risk", "opened_at")},
                              default=str))


@monitor.command("show")
@click.argument("case_or_org")
@click.pass_context
def show(ctx: click.Context, case_or_org: str) -> None:
    """A case in full (its signals with their evidence, what was applied, any decision), or, given an
    org id, every case of that org in full."""

    async def fn(store: Any, record: Any) -> Any:
        if case_or_org.startswith("case_"):
            return await store.get(case_or_org)
        found = await store.list(None, case_or_org, 1000)
        if not found:
            from bastion.monitor.cases import CaseError

            raise CaseError(f"no case and no org with cases named {case_or_org!r}")
        return found

    emit(_with_cases(ctx, fn))


@monitor.command("decide")
@click.argument("case_id")
@click.option("--outcome", type=click.Choice(["confirmed", "dismissed"]), required=True,
              help="confirmed abuse, or dismissed as benign (suppresses the same finding for that org).")
@click.option("--reason", required=True, help="Why (kept on the case and in the audit log).")
@click.option("--analyst", default=None, help="The analyst's name (default: the OS user).")
@click.pass_context
def decide(ctx: click.Context, case_id: str, outcome: str, reason: str, analyst: str | None) -> None:
    """Record an analyst's decision on an open case (audited)."""
    from bastion.audit.records import cli_actor

    actor = cli_actor()
    name = analyst or actor.removeprefix("cli:")

    async def fn(store: Any, record: Any) -> dict[str, Any]:
        case: dict[str, Any] = await store.decide(case_id, outcome, reason, name)
        await record("monitor.case_decided", actor, {"case_id": case_id, "org_id": case["org_id"],
                                                     "outcome": outcome, "analyst": name, "reason": reason})
        return case

    emit(_with_cases(ctx, fn))
