"""``bastion console user add|list``: the people who may sign in to the console."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import click

from bastion.audit.records import cli_actor
from bastion.console.people import ROLES, People, PeopleError
from bastion.gateway.cli import cli_store, emit, settings_from


@click.group()
def console() -> None:
    """The web console at /console/."""


@console.group()
def user() -> None:
    """Console users (separate from API keys and the admin token)."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_context
def user_add(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Add a person; the password is prompted for (twice) unless --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = settings_from(ctx.find_root())

    async def go() -> dict[str, Any]:
        async with cli_store(settings, audit=True) as (engine, record):
            person = await People(engine, settings.console).add(name, role, password)
            await record("console.user_added", cli_actor(), {"user": person.name, "role": person.role})
            return {"id": person.id, "name": person.name, "role": person.role}

    try:
        emit(asyncio.run(go()))
    except PeopleError as exc:
        raise click.ClickException(str(exc)) from exc


@user.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    settings = settings_from(ctx.find_root())

    async def go() -> list[dict[str, Any]]:
        async with cli_store(settings, audit=False) as (engine, _):
            return await People(engine, settings.console).list()

    emit(asyncio.run(go()))
