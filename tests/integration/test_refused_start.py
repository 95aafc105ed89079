"""A refused start of a real `bastion serve` prints one clear line, no traceback, and exits non-zero:
an unreadable audit signing key and a policy pack that does not parse."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bastion.gateway.server import free_port
from tests.conftest import PG_ADMIN_DSN

CLI = [sys.executable, "-m", "bastion.cli"]


def write_config(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "bastion.toml"
    path.write_text(f'[server]\nport = {free_port()}\n[store]\nurl = "sqlite+aiosqlite:///{tmp_path / "b.db"}"\n'
                    f'[audit]\nsigning_key_file = "{tmp_path / "signing.key"}"\n{extra}\n'
                    '[models.demo-model]\nupstreams = [{ base_url = "http://127.0.0.1:9/v1" }]\n')
    return path


Case = tuple[str, str, dict[str, str]]  # (extra settings, expected text, environment)


def bad_key(tmp_path: Path) -> Case:
    key = tmp_path / "signing.key"
    key.write_text("not a signing key\n")
    key.chmod(0o600)
    return "", "cannot read audit signing key", {}


def bad_pack(tmp_path: Path) -> Case:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "broken.cedar").write_text("forbid (principal, action resource) when { ;\n")
    return f'[policy]\npolicy_dir = "{pack}"\n', "refusing to start", {}


def missing_database(tmp_path: Path) -> Case:
    # The running PostgreSQL server, a database that does not exist: asyncpg's error, one line.
    url = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return "", "bastion_no_such_db", {"BASTION_STORE__URL": f"{url}/bastion_no_such_db"}


@pytest.mark.parametrize("make", [bad_key, bad_pack, missing_database],
                         ids=["signing_key", "policy_pack", "missing_database"])
def test_refused_start_is_one_line(make: Callable[[Path], Case], tmp_path: Path) -> None:
    extra, expected, overrides = make(tmp_path)
    env = {**os.environ, "BASTION_CONFIG": str(write_config(tmp_path, extra)),
           "BASTION_SERVER_SECRET": secrets.token_hex(32), **overrides}
    done = subprocess.run([*CLI, "serve"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    err = done.stderr
    assert "Traceback" not in err and 'File "' not in err, err[-3000:]
    refusals = [line for line in err.splitlines() if "refusing to start" in line]
    assert len(refusals) == 1 and expected in refusals[0], err[-3000:]
