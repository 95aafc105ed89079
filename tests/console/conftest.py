"""A served gateway with the console on, three people (one per role) and the seeded orgs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bastion.config import Settings
from bastion.console.people import People
from bastion.store.db import create_engine
from tests.helpers import Running, running_gateway

T = TypeVar("T")
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


def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn`` on another thread: Playwright's sync API keeps an event loop running on this one,
    where the set-up's ``asyncio.run`` calls would be refused."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def console_gateway(tmp_path: Path, **console: Any) -> Iterator[Running]:
    """The gateway of tests/helpers (demo upstream, seeded orgs) with ``[console]`` overrides."""
    cm = running_gateway(f"sqlite+aiosqlite:///{tmp_path}/console.db", console=console)
    gw = in_thread(cm.__enter__)
    try:
        in_thread(add_people, gw.settings, {role: role for role in ROLES})
        yield gw
    finally:
        in_thread(cm.__exit__, None, None, None)


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Running]:
    # Plain-HTTP test rig: httpx keeps Secure cookies for https only (the browser tests use the default).
    yield from console_gateway(tmp_path, secure_cookies=False)
