"""Secure by default: a pipeline without authenticate, the policies or the guard refuses to start
unless ``[pipeline] allow_reduced`` says so, a start with it is in the audit log, and ``bastion
serve`` logs the pipeline it runs (without secrets)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bastion.config import REQUIRED_STAGES, Settings, load_settings
from bastion.gateway.app import create_app
from bastion.gateway.demo_upstream import DemoUpstream
from bastion.gateway.safeguards import ReducedPipeline, check_pipeline
from bastion.gateway.server import BackgroundServer, free_port
from tests.audit.test_gateway_audit import records
from tests.helpers import gateway_settings, running_gateway, wait_healthy


def test_default_and_example_pipelines_are_complete() -> None:
    example = Path(__file__).resolve().parents[2] / "bastion.example.toml"
    for settings in (Settings(), load_settings(example, environ={})):
        assert settings.pipeline.missing_required() == []
        assert not settings.pipeline.allow_reduced
        assert not check_pipeline(settings.pipeline).weakened


@pytest.mark.parametrize("stages", [[], ["account_gate", "access_policy", "rate_limit", "input_guard", "usage_policy"],
                                    ["authenticate", "account_gate", "rate_limit"],
                                    ["authenticate", "access_policy", "input_guard"]])
def test_reduced_pipeline_is_refused_naming_what_is_missing(stages: list[str]) -> None:
    settings = Settings.model_validate({"pipeline": {"stages": stages}})
    with pytest.raises(ReducedPipeline) as refused:
        check_pipeline(settings.pipeline)
    missing = [s for s in REQUIRED_STAGES if s not in stages]
    assert f"lacks {', '.join(missing)}" in str(refused.value)
    assert "allow_reduced" in str(refused.value)


def test_required_stage_failing_open_needs_the_allowance() -> None:
    settings = Settings.model_validate({"pipeline": {"fail_open": ["input_guard", "rate_limit"]}})
    with pytest.raises(ReducedPipeline, match="fail_open lists input_guard, so a request"):
        check_pipeline(settings.pipeline)
    allowed = Settings.model_validate({"pipeline": {"fail_open": ["input_guard"], "allow_reduced": True}})
    summary = check_pipeline(allowed.pipeline)
    assert summary.reduced and summary.required_fail_open == ("input_guard",)
    assert summary.audit_action == "pipeline.reduced"
    # A non-required stage failing open is allowed without it (and still recorded at start-up).
    only_limits = check_pipeline(Settings.model_validate({"pipeline": {"fail_open": ["rate_limit"]}}).pipeline)
    assert not only_limits.reduced and only_limits.weakened and only_limits.audit_action == "pipeline.fail_open"


def _config(tmp_path: Path, upstream: str) -> tuple[Path, dict[str, str]]:
    port = free_port()
    cfg = tmp_path / "bastion.toml"
    cfg.write_text(f'[server]\nport = {port}\n[store]\nurl = "sqlite+aiosqlite:///{tmp_path / "b.db"}"\n'
                   f'[audit]\nsigning_key_file = "{tmp_path / "signing.key"}"\n'
                   f'[models.demo-model]\nupstreams = [{{ base_url = "{upstream}/v1" }}]\n')
    env = {**os.environ, "BASTION_CONFIG": str(cfg), "BASTION_SERVER_SECRET": secrets.token_hex(32),
           "BASTION_ADMIN_TOKEN": secrets.token_hex(16)}
    return cfg, env


def test_serve_with_empty_pipeline_refuses_to_start(tmp_path: Path) -> None:
    """The issue's case: ``BASTION_PIPELINE__STAGES='[]'`` used to serve requests with no API key."""
    with BackgroundServer(DemoUpstream()) as upstream:
        _, env = _config(tmp_path, upstream)
        env["BASTION_PIPELINE__STAGES"] = "[]"
        done = subprocess.run([sys.executable, "-m", "bastion.cli", "serve"], env=env, capture_output=True,
                              text=True, timeout=60)
    assert done.returncode != 0
    assert "lacks authenticate, access_policy, input_guard, usage_policy" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # uvicorn's exit(3) in its thread
def test_app_with_reduced_pipeline_fails_its_start_up(sqlite_url: str) -> None:
    """Not only the CLI: any gateway process building its services refuses."""
    with BackgroundServer(DemoUpstream()) as upstream:
        settings = gateway_settings(sqlite_url, upstream, pipeline={"stages": ["authenticate", "account_gate"]})
        server = BackgroundServer(create_app(settings))
        with pytest.raises(RuntimeError, match="failed to start"):
            server.start()
        server.stop()


def test_allowed_reduced_pipeline_is_recorded_at_start_up(sqlite_url: str) -> None:
    pipeline = {"stages": ["authenticate", "account_gate", "rate_limit"], "allow_reduced": True,
                "fail_open": ["rate_limit"]}
    with running_gateway(sqlite_url, pipeline=pipeline, guard={"enabled": False}) as gw:
        r = httpx.post(gw.v1 + "/chat/completions", headers={"Authorization": f"Bearer {gw.keys['active']}"},
                       json={"model": "demo-model", "messages": [{"role": "user", "content": "hi"}]}, timeout=10)
        assert r.status_code == 200
    started = [x for x in records(sqlite_url) if x.get("action") == "pipeline.reduced"]
    assert len(started) == 1
    details = started[0]["details"]
    assert details["missing"] == ["access_policy", "input_guard", "usage_policy"]
    assert details["stages"] == pipeline["stages"] and details["fail_open"] == ["rate_limit"]
    assert details["required_fail_open"] == []
    assert started[0]["actor"] == "gateway:test-gw"


def test_full_pipeline_start_adds_no_record(sqlite_url: str) -> None:
    with running_gateway(sqlite_url):
        pass
    assert not [x for x in records(sqlite_url) if str(x.get("action", "")).startswith("pipeline.")]


def test_serve_logs_its_pipeline_without_secrets(tmp_path: Path) -> None:
    with BackgroundServer(DemoUpstream()) as upstream:
        cfg, env = _config(tmp_path, upstream)
        port = load_settings(cfg, environ={}).server.port
        log = tmp_path / "serve.log"
        with log.open("w") as out:
            proc = subprocess.Popen([sys.executable, "-m", "bastion.cli", "serve"], env=env, stdout=out,
                                    stderr=subprocess.STDOUT)
        try:
            wait_healthy(f"http://127.0.0.1:{port}", timeout_s=60)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    text = log.read_text()
    assert ("pipeline: authenticate -> account_gate -> access_policy -> rate_limit -> input_guard -> "
            "usage_policy; fail_open: []") in text
    assert env["BASTION_SERVER_SECRET"] not in text and env["BASTION_ADMIN_TOKEN"] not in text
