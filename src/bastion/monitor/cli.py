"""``bastion monitor``: account monitoring from the command line (the replay contract for now)."""

from __future__ import annotations

import json
import sys
from typing import IO

import click

from bastion.gateway.cli import settings_from
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
