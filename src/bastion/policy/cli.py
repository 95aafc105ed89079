"""``bastion policy validate | test | explain``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bastion.gateway.cli import settings_from, with_accounts
from bastion.policy import absolute
from bastion.policy.cases import DEFAULT_CASES, run_cases
from bastion.policy.engine import PolicyEngine, org_principal
from bastion.policy.pack import PolicyError, load_pack
from bastion.policy.service import pack_from_settings
from bastion.store.accounts import AccountStore


@click.group()
def policy() -> None:
    """Access and usage policy (Cedar)."""


@policy.command("validate")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path), required=False)
@click.option("--waive", multiple=True, type=click.Choice(absolute.ABSOLUTE),
              help="An absolute category the pack may let through (as policy.waive_absolute).")
def validate(directory: Path | None, waive: tuple[str, ...]) -> None:
    """Parse and validate a folder of *.cedar files against Bastion's schema and the absolute rules."""
    try:
        pack = load_pack(directory)
        absolute.check(pack, waive)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"OK: {len(pack.info)} policies valid ({pack.digest})")


@policy.command("test")
@click.argument("cases", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None)
def test(cases: Path | None, directory: Path | None) -> None:
    """Run policy test cases (default: the shipped pack's own cases)."""
    try:
        results = run_cases(load_pack(directory), cases or DEFAULT_CASES)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from exc
    for r in results:
        click.echo(f"{'PASS' if r.passed else 'FAIL'}  {r.name}: {r.detail}")
    failed = sum(not r.passed for r in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


@policy.command("explain")
@click.option("--org", "org_ref", required=True, help="Org id or name.")
@click.option("--model", required=True)
@click.option("--country", default=None, help="Request country (ISO alpha-2).")
@click.option("--category", "categories", multiple=True, help="A hazard category the guard flagged.")
@click.option("--action", default="invoke")
@click.pass_context
def explain(ctx: click.Context, org_ref: str, model: str, country: str | None, categories: tuple[str, ...],
            action: str) -> None:
    """Show the decision for an org and model, and every policy that decided it."""
    settings = settings_from(ctx)
    if model not in settings.models:
        raise click.ClickException(f"unknown model {model!r} (configured: {sorted(settings.models)})")

    async def find(accounts: AccountStore) -> dict[str, object]:
        return await accounts.find_org(org_ref)

    org = with_accounts(ctx, find)
    principal = org_principal(org, "key_explain")
    try:
        engine = PolicyEngine(pack_from_settings(settings), dict(settings.models), cache_size=0)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from exc
    stage = "usage" if categories else "access"
    decision = engine.decide(principal, model, action, stage=stage,
                             request_country=country.upper() if country else None, flagged=categories)
    click.echo(f"{'ALLOW' if decision.allowed else 'DENY'}  org={org['name']} model={model} action={action} "
               f"country={country or '-'} categories={list(categories) or '-'}")
    for p in decision.policies:
        click.echo(f"  {p.effect:7} {p.id}  ({p.file}): {p.reason}")
    if not decision.policies:
        click.echo("  (no policy permits this request: Cedar denies by default)")
