"""The CLI as a user runs it: real subprocesses, a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASTION = [sys.executable, "-m", "bastion.cli"]


def run(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BASTION, *args], env=env, capture_output=True, text=True, timeout=120, check=check)


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(BASTION_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", BASTION_SERVER_SECRET="s" * 32,
               BASTION_AUDIT__SIGNING_KEY_FILE=str(tmp_path / "audit.key"))
    env.pop("BASTION_CONFIG", None)
    return env


def test_demo_runs_the_whole_scenario() -> None:
    out = subprocess.run([*BASTION, "demo"], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "org_suspended" in out.stdout and "rate_limited_key_requests" in out.stdout
    assert "onboarded, screened block" in out.stdout and "after a list update (1 org suspended)" in out.stdout
    assert "NO (wanted" not in out.stdout


def test_org_and_key_lifecycle(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    org = json.loads(run(["org", "create", "Example GmbH", "--status", "active", "--tier", "1", "--country", "de"],
                         env).stdout)
    assert org["country"] == "DE" and org["status"] == "active"
    issued = json.loads(run(["key", "create", "Example GmbH", "--name", "ci"], env).stdout)
    assert issued["key"].startswith("bst_") and len(issued["key"]) == 44
    # The plaintext key is never stored: only its public prefix and keyed hash.
    assert issued["key"].encode() not in (tmp_path / "cli.db").read_bytes()
    keys = json.loads(run(["key", "list", "Example GmbH"], env).stdout)
    assert [k["status"] for k in keys] == ["active"] and "hmac" not in keys[0]
    revoked = json.loads(run(["key", "revoke", issued["id"]], env).stdout)
    assert revoked["status"] == "revoked"
    suspended = json.loads(run(["org", "suspend", "Example GmbH"], env).stdout)
    assert suspended["status"] == "suspended" and suspended["version"] == 2
    # every change made on the CLI is in the audit log too, and the log verifies
    from tests.audit.test_gateway_audit import records

    actions = [r["action"] for r in records(env["BASTION_DATABASE_URL"]) if r.get("kind") == "admin"]
    assert actions == ["org.created", "key.created", "key.revoked", "org.suspended"]
    assert run(["audit", "verify"], env).stdout.startswith("OK: 4 entries")


def test_cli_errors_are_one_clear_line(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    out = run(["org", "suspend", "No Such Org"], env, check=False)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines()[-1] == "Error: no org 'No Such Org'"
    bad = run(["org", "create", "X", "--country", "Germany"], env, check=False)
    assert bad.returncode != 0 and "two-letter" in bad.stderr
    env.pop("BASTION_SERVER_SECRET")
    nosecret = run(["org", "list"], env, check=False)
    assert nosecret.returncode != 0 and "server_secret" in nosecret.stderr
