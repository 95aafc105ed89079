"""A served gateway with the console on, three people (one per role) and the seeded orgs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bastion.config import Settings
from bastion.console.people import People
from bastion.store.db import create_engine
from tests.helpers import Running, running_gateway

PASSWORD = "correct horse battery"
ROLES = ("officer", "auditor", "admin")


def add_people(settings: Settings, names: dict[str, str]) -> None:
    async def go() -> None:
        engine = create_engine(settings.store.url)
        try:
            people = People(engine, settings.console)
            for name, role in names.items():
                await people.add(name, role, PASSWORD)
        finally:
            await engine.dispose()

    asyncio.run(go())


def console_gateway(tmp_path: Path, **console: Any) -> Iterator[Running]:
    with running_gateway(f"sqlite+aiosqlite:///{tmp_path}/console.db", console=console) as gw:
        add_people(gw.settings, {role: role for role in ROLES})
        yield gw


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Running]:
    # Plain-HTTP test rig: httpx keeps Secure cookies for https only (the browser tests use the default).
    yield from console_gateway(tmp_path, secure_cookies=False)
