"""``bastion screen ...`` and ``bastion kyc ...``.

``bastion screen NAME`` screens one name; ``bastion screen batch`` reads and writes the JSON Lines
contract of DESIGN.md; ``rescreen``, ``queue`` and ``review`` run the workflow on the configured
database (each change audit-logged with the OS user as the actor).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import click
import orjson
from rich.console import Console
from rich.table import Table

from bastion.audit.records import cli_actor
from bastion.config import Settings
from bastion.diligence.review import REVIEW_VERDICTS, HitStatus
from bastion.diligence.screening.identifiers import BIRTH_DATE_FORMS, parse_birth
from bastion.diligence.screening.loaders import ListFormatError
from bastion.diligence.screening.model import ScreeningResult, Subject
from bastion.diligence.screening.service import ScreeningService, ScreeningUnavailable
from bastion.diligence.workflow import Diligence, DiligenceError
from bastion.gateway.cli import cli_store, settings_from
from bastion.store.accounts import AccountError

T = TypeVar("T")
KINDS = ("person", "organization", "vessel", "aircraft", "unknown")


class _DefaultToName(click.Group):
    """``bastion screen NAME ...`` is ``bastion screen name NAME ...``."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                             list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["name", *args]
        return super().resolve_command(ctx, args)


def _service(settings: Settings, lists: tuple[str, ...]) -> ScreeningService:
    service = ScreeningService(settings.screening)
    try:
        asyncio.run(service.load(list(lists) or None))
    except (ListFormatError, ScreeningUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    return service


def _print_result(console: Console, name: str, result: ScreeningResult) -> None:
    colour = {"clear": "green", "review": "yellow", "block": "red"}[result.decision]
    console.print(f"{name!r}: [bold {colour}]{result.decision}[/]")
    if result.hits:
        table = Table("decision", "score", "list", "entity", "matched name", "features")
        for h in result.hits:
            table.add_row(h.decision, f"{h.score:.2f}", h.list_id, h.entity_id, h.matched_name,
                          ", ".join(f"{k} {v}" for k, v in sorted(h.features.items()) if v != "unknown"))
        console.print(table)


@click.group("screen", cls=_DefaultToName, help="Screen names against sanctions and entity lists.")
def screen() -> None:
    pass


@screen.command("name", help="Screen one NAME (also: bastion screen NAME).")
@click.argument("name")
@click.option("--type", "kind", type=click.Choice(KINDS), default="unknown")
@click.option("--country", default=None, help="ISO 3166 alpha-2 country (nationality / incorporation).")
@click.option("--birth-date", default=None, help="ISO date, a year, or a range of years (1960/1962).")
@click.option("--id", "ids", multiple=True, metavar="KIND=NUMBER",
              help="A document number: passport=..., national_id=..., tax_id=..., registration=..., imo=...")
@click.option("--list", "lists", multiple=True, help="List file or folder (default: screening.lists).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def screen_name(ctx: click.Context, name: str, kind: str, country: str | None, birth_date: str | None,
                ids: tuple[str, ...], lists: tuple[str, ...], as_json: bool) -> None:
    if birth_date is not None and parse_birth(birth_date) is None:
        raise click.BadParameter(BIRTH_DATE_FORMS, param_hint="--birth-date")
    if any("=" not in i for i in ids):
        raise click.BadParameter("write KIND=NUMBER, e.g. passport=A1234567", param_hint="--id")
    identifiers = tuple((k.strip(), v.strip()) for k, _, v in (i.partition("=") for i in ids))
    service = _service(settings_from(ctx), lists)
    result = service.screen(Subject(name, kind, country.lower() if country else None,  # type: ignore[arg-type]
                                    birth_date, identifiers))
    if as_json:
        click.echo(orjson.dumps({"name": name, **result.as_dict()}).decode())
    else:
        _print_result(Console(), name, result)


def _subject(obj: Any) -> tuple[str, Subject]:
    if not isinstance(obj, dict):
        raise ValueError("each line must be a JSON object")
    name, kind = obj.get("name"), obj.get("type", "unknown")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("'name' must be a non-empty string")
    if kind not in KINDS:
        raise ValueError(f"'type' must be one of {', '.join(KINDS)}")
    country, birth = obj.get("country"), obj.get("birth_date")
    if country is not None and (not isinstance(country, str) or len(country) != 2):
        raise ValueError("'country' must be a two-letter ISO code")
    if birth is not None and (not isinstance(birth, str) or parse_birth(birth) is None):
        raise ValueError(f"'birth_date' must be {BIRTH_DATE_FORMS}")
    ids = obj.get("identifiers", {})
    if not isinstance(ids, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in ids.items()):
        raise ValueError("'identifiers' must be an object of kind -> number strings, e.g. {\"passport\": \"A123\"}")
    return str(obj.get("id", "")), Subject(name, kind, country.lower() if country else None, birth,
                                           tuple(ids.items()))


def run_batch(service: ScreeningService, source: IO[bytes], sink: IO[bytes]) -> tuple[int, int]:
    """Screen every line; a bad line gets an error object in the output, the rest go on.
    Returns (screened, errors)."""
    done = errors = 0
    for lineno, line in enumerate(source, start=1):
        if not line.strip():
            continue
        ident: Any = None
        try:
            obj = orjson.loads(line)
            ident = obj.get("id") if isinstance(obj, dict) else None
            _, subject = _subject(obj)
        except (orjson.JSONDecodeError, ValueError) as exc:
            errors += 1
            sink.write(orjson.dumps({"id": ident, "line": lineno, "error": str(exc)}) + b"\n")
            continue
        result = service.screen(subject)
        sink.write(orjson.dumps({"id": ident, "decision": result.decision, "matches": [
            {"list": h.list_id, "entity_id": h.entity_id, "name": h.entry_name, "matched_name": h.matched_name,
             "score": round(h.score, 4), "decision": h.decision, "explanation": h.explain()}
            for h in result.hits]}) + b"\n")
        done += 1
    return done, errors


@screen.command("batch", help="Screen JSON Lines {id,name,type?,country?,birth_date?,identifiers?} -> "
                               "{id,decision,matches}.")
@click.option("--list", "lists", multiple=True, help="List file or folder (default: screening.lists).")
@click.option("--input", "input_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--output", "output_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.pass_context
def screen_batch(ctx: click.Context, lists: tuple[str, ...], input_path: Path | None,
                 output_path: Path | None) -> None:
    service = _service(settings_from(ctx), lists)
    source = input_path.open("rb") if input_path else sys.stdin.buffer
    sink = output_path.open("wb") if output_path else sys.stdout.buffer
    try:
        done, errors = run_batch(service, source, sink)
    finally:
        if input_path:
            source.close()
        if output_path:
            sink.close()
        else:
            sink.flush()
    click.echo(f"screened {done}, {errors} bad line(s)", err=True)
    if errors:
        sys.exit(1)


def with_diligence(ctx: click.Context, fn: Callable[[Diligence], Awaitable[T]], load_lists: bool = True) -> T:
    settings = settings_from(ctx)
    if not settings.server.server_secret:
        raise click.ClickException("server.server_secret is not set (BASTION_SERVER_SECRET)")

    async def go() -> T:
        from bastion.diligence.kyc import KycStore
        from bastion.store.accounts import AccountStore

        async with cli_store(settings, audit=True) as (engine, record):
            screening = ScreeningService(settings.screening)
            if load_lists:
                await screening.load()
            diligence = Diligence(AccountStore(engine, settings.server.server_secret), KycStore(engine), screening,
                                  record, settings.screening.suspend_on_block, settings.screening.activate_on_clear)
            return await fn(diligence)

    try:
        return asyncio.run(go())
    except (AccountError, DiligenceError, ListFormatError, ScreeningUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc


@screen.command("rescreen", help="Reload the lists and re-screen every org and owner (new blocks suspend).")
@click.pass_context
def rescreen(ctx: click.Context) -> None:
    actor = cli_actor()
    summary = with_diligence(ctx, lambda d: d.rescreen_all(actor))
    click.echo(orjson.dumps(summary).decode())


@screen.command("queue", help="Open screening hits awaiting an officer's review.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
@click.pass_context
def queue(ctx: click.Context, as_json: bool) -> None:
    hits = with_diligence(ctx, lambda d: d.kyc.hits(status=HitStatus.OPEN), load_lists=False)
    if as_json:
        for h in hits:
            click.echo(orjson.dumps(h, default=str, option=orjson.OPT_NON_STR_KEYS).decode())
        return
    table = Table("hit", "org", "subject", "score", "decision", "list entry")
    for h in hits:
        table.add_row(h["id"], h["org_id"], h["subject_name"], f"{h['score']:.2f}", h["decision"],
                      f"{h['list_id']}:{h['entity_id']} {h['entry_name']}")
    Console().print(table)


@screen.command("review", help="Decide an open hit: true match or false positive (remembered).")
@click.argument("hit_id")
@click.option("--verdict", type=click.Choice([v.value for v in REVIEW_VERDICTS]), required=True)
@click.option("--reason", required=True)
@click.pass_context
def review(ctx: click.Context, hit_id: str, verdict: str, reason: str) -> None:
    actor = cli_actor()
    out = with_diligence(ctx, lambda d: d.decide(hit_id, verdict, reason, actor), load_lists=False)
    click.echo(orjson.dumps(out["outcome"]).decode())


@click.group("kyc", help="KYC records and verification tiers.")
def kyc() -> None:
    pass


@kyc.command("show", help="An org's KYC dossier: profile, owners, documents, tier history, hits.")
@click.argument("org_id")
@click.pass_context
def show(ctx: click.Context, org_id: str) -> None:
    dossier = with_diligence(ctx, lambda d: d.dossier(org_id), load_lists=False)
    click.echo(orjson.dumps(dossier, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode())


@kyc.command("tier", help="Move an org to tier T0..T3 (one step up at a time; down any time).")
@click.argument("org_id")
@click.argument("tier", type=click.IntRange(0, 3))
@click.option("--reason", required=True)
@click.option("--programme", default=None, help="Programme to add with the change (T3: government_lawful_use).")
@click.pass_context
def tier(ctx: click.Context, org_id: str, tier: int, reason: str, programme: str | None) -> None:
    actor = cli_actor()
    org = with_diligence(ctx, lambda d: d.change_tier(org_id, tier, actor, reason, programme), load_lists=False)
    click.echo(f"{org['id']} is now T{org['tier']}")
