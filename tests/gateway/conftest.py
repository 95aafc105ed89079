from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import Running, running_gateway


@pytest.fixture
def gw(sqlite_url: str) -> Iterator[Running]:
    """A real gateway (SQLite) in front of the demo upstream, with seeded orgs and keys."""
    with running_gateway(sqlite_url) as running:
        yield running
