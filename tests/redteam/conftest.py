"""Helpers for the red-team tests: run ``bastion redteam ...`` in-process against real HTTP servers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from bastion.gateway.demo_upstream import DemoUpstream
from bastion.gateway.server import BackgroundServer
from bastion.redteam.cli import redteam
from tests.redteam.planted import responder, write_suites


def invoke(*args: str, config: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """``bastion [-c CONFIG] redteam ARGS...``, in-process (the group alone, as the root command would call it)."""
    assert args[0] == "redteam"
    return CliRunner().invoke(redteam, list(args[1:]), obj={"config": str(config) if config else None}, env=env,
                              catch_exceptions=False)


def no_audit_config(folder: Path) -> Path:
    path = folder / "bastion.toml"
    path.write_text("[audit]\nenabled = false\n")
    return path


def load(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads((out / "report.json").read_bytes())
    return doc


@dataclass
class Plant:
    url: str  # base URL of the demo upstream, with /v1
    upstream: DemoUpstream
    harmful: Path
    benign: Path
    config: Path
    key: Path
    tmp: Path

    def run(self, out: Path, *extra: str, transforms: tuple[str, ...] = ("none", "base64", "rot13"),
            judges: tuple[str, ...] = ("refusal",), url: str | None = None, config: Path | None = None,
            env: dict[str, str] | None = None) -> Result:
        args = ["redteam", "run", "--target", url or self.url, "--model", "demo-model", "--suite", str(self.harmful),
                "--suite", str(self.benign), "--out", str(out), "--signing-key", str(self.key), "--no-progress",
                "--concurrency", "8", *extra]
        for t in transforms:
            args += ["--transform", t]
        for j in judges:
            args += ["--judge", j]
        return invoke(*args, config=config or self.config, env=env)


@pytest.fixture
def plant(tmp_path: Path) -> Iterator[Plant]:
    """The planted demo upstream on loopback, its two suite files, a config with the audit log off."""
    harmful, benign = write_suites(tmp_path / "suites")
    upstream = DemoUpstream(responder)
    with BackgroundServer(upstream) as url:
        yield Plant(url + "/v1", upstream, harmful, benign, no_audit_config(tmp_path), tmp_path / "signing.key",
                    tmp_path)
