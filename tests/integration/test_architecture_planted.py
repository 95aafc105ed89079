"""The import contracts can fail: plant wrong-way imports on a copy of the package and lint it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_a_wrong_way_import_breaks_the_contracts(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "src" / "bastion", tmp_path / "src" / "bastion",
                    ignore=lambda _d, names: [n for n in names if not (n.endswith(".py") or "." not in n)])
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    engine = tmp_path / "src" / "bastion" / "policy" / "engine.py"
    engine.write_text(engine.read_text() + "\nimport bastion.gateway.app  # planted\n")
    base = tmp_path / "src" / "bastion" / "counters" / "base.py"
    base.write_text(base.read_text() + "\nimport bastion.cli  # planted\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    done = subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "bastion.policy.engine -> bastion.gateway.app" in done.stdout
    assert "bastion.counters.base -> bastion.cli" in done.stdout
