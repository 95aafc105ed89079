"""``bastion guard classify``: the batch contract of DESIGN.md, JSON Lines in and out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

import click

from bastion.config import ModelSettings
from bastion.gateway.cli import settings_from
from bastion.gateway.context import Principal
from bastion.guard.engine import Guard
from bastion.policy.engine import PolicyEngine
from bastion.policy.service import pack_from_settings

# The "default policy's verdict for a request with that text": an ordinary verified customer
# (active, tier 2, no programmes) calling a standard model.
_CUSTOMER = Principal("org_classify", "classify", "active", "key_classify", "bst_classify", "active", tier=2,
                      country=None, screening_state="clear")


@click.group()
def guard() -> None:
    """The usage-policy guard."""


@guard.command("classify")
@click.option("--input", "input_", type=click.File("r"), default="-", help="JSON Lines {id, text} (default stdin).")
@click.option("--output", type=click.File("w"), default="-", help="JSON Lines out (default stdout).")
@click.pass_context
def classify(ctx: click.Context, input_: IO[str], output: IO[str]) -> None:
    """Score texts: {"id","text"} in, {"id","flagged","categories","scores"} out, one per line."""
    settings = settings_from(ctx)
    # the gateway's guard exactly: the configured model file and threshold overrides
    path = Path(settings.guard.model_file) if settings.guard.model_file else None
    try:
        g = Guard.load(path, settings.guard.thresholds)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    engine = PolicyEngine(pack_from_settings(settings), {"m": ModelSettings(upstreams=[])})
    bad = 0
    batch: list[tuple[Any, str]] = []

    def flush() -> None:
        # a line is scored as the gateway scores a one-message request: its segments are the text alone
        for (rid, _), scores in zip(batch, g.score_many([t for _, t in batch]), strict=True):
            a = g.combine([scores])
            decision = engine.decide(_CUSTOMER, "m", stage="usage", flagged=a.flagged, scores=a.scores)
            output.write(json.dumps({"id": rid, "flagged": not decision.allowed, "categories": a.flagged,
                                     "scores": {c: round(s, 4) for c, s in a.scores.items()}}) + "\n")
        batch.clear()

    for n, line in enumerate(input_, 1):
        if not line.strip():
            continue
        try:
            rec: Any = json.loads(line)
            text = rec["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
        except (ValueError, KeyError, TypeError) as exc:
            bad += 1
            click.echo(f"line {n}: skipped, not a {{\"id\", \"text\"}} object ({exc})", err=True)
            continue
        batch.append((rec.get("id"), text))
        if len(batch) >= 32:
            flush()
    flush()
    output.flush()
    if bad:
        sys.exit(2)
