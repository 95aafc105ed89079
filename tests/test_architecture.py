"""The layering of docs/architecture.md, as import contracts (``[tool.importlinter]`` in pyproject.toml).

The first test fails on any new wrong-way import; the second proves the contracts can fail, by
planting one on a copy of the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = {"no-gateway", "no-cli", "capability-layers", "pure-engines"}


def lint(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_contracts_are_configured() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert {c["id"] for c in config["contracts"]} >= CONTRACTS


def test_import_contracts_hold() -> None:
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_wrong_way_import_breaks_the_contracts(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "src" / "bastion", tmp_path / "src" / "bastion",
                    ignore=lambda _d, names: [n for n in names if not (n.endswith(".py") or "." not in n)])
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    engine = tmp_path / "src" / "bastion" / "policy" / "engine.py"
    engine.write_text(engine.read_text() + "\nimport bastion.gateway.app  # planted\n")
    base = tmp_path / "src" / "bastion" / "counters" / "base.py"
    base.write_text(base.read_text() + "\nimport bastion.cli  # planted\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    done = lint(tmp_path, env)
    assert done.returncode != 0
    assert "bastion.policy.engine -> bastion.gateway.app" in done.stdout
    assert "bastion.counters.base -> bastion.cli" in done.stdout
