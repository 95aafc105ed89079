"""The tier rule of tests/conftest.py: a module that starts servers is integration, a pure one is not."""

from __future__ import annotations

import importlib

import pytest

from tests.conftest import _names_servers


@pytest.mark.parametrize(("module", "integration"), [
    ("tests.helpers", True),              # BackgroundServer, running_gateway
    ("tests.test_cli", True),             # runs `bastion` in a subprocess
    ("tests.diligence.test_screen_cli", True),  # through tests.test_cli's helpers, one import away
    ("tests.audit.test_vectors", False),  # Merkle vectors: pure
    ("tests.test_taxonomy_drift", False),
])
def test_modules_are_sorted_into_tiers(module: str, integration: bool) -> None:
    assert _names_servers(importlib.import_module(module)) is integration
