"""The layering of docs/architecture.md, as import contracts (``[tool.importlinter]`` in pyproject.toml).

Run in-process so the fast tier (`make test-fast`) catches a new wrong-way import too; the proof
that the contracts can fail (a planted import on a copy of the package) needs a subprocess and
lives in tests/integration/test_architecture_planted.py.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from importlinter import configuration
from importlinter.application import use_cases

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = {"no-gateway", "no-cli", "capability-layers", "pure-engines"}


def test_contracts_are_configured() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert {c["id"] for c in config["contracts"]} >= CONTRACTS


def test_import_contracts_hold(capsys: pytest.CaptureFixture[str]) -> None:
    configuration.configure()  # what the lint-imports command does first: register the config readers
    kept = use_cases.lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)
    out = capsys.readouterr().out
    assert kept, out
    assert "0 broken" in out
