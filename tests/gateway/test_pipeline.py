"""Fail closed: a stage that raises or overruns denies the request (503 internal); an explicitly
fail-open stage lets it through, flagged, and the audit record says so."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bastion import registry
from bastion.gateway.context import RequestContext, Verdict, allow
from tests.audit.test_gateway_audit import records
from tests.helpers import running_gateway


class BrokenStage:
    """TEST DOUBLE: a stage that fails in the way named by the last user message."""

    name = "broken"

    async def check(self, ctx: RequestContext) -> Verdict:
        text = ctx.prompt_text()
        if "raise" in text:
            raise RuntimeError("boom")
        if "hang" in text:
            await asyncio.sleep(5)
        return allow()


def build_broken(services: Any) -> BrokenStage:
    return BrokenStage()


@pytest.fixture
def with_broken_stage(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(registry.STAGES, "broken", f"{__name__}:build_broken")
    yield


def chat(url: str, key: str, text: str) -> httpx.Response:
    return httpx.post(url + "/v1/chat/completions", headers={"Authorization": f"Bearer {key}"}, timeout=15,
                      json={"model": "demo-model", "messages": [{"role": "user", "content": text}]})


@pytest.mark.usefixtures("with_broken_stage")
@pytest.mark.parametrize("failure", ["raise", "hang"])
def test_failing_stage_denies(sqlite_url: str, failure: str) -> None:
    stages = {"stages": ["authenticate", "account_gate", "broken", "rate_limit"], "allow_reduced": True}
    with running_gateway(sqlite_url, pipeline=stages, server={"stage_timeout_s": 0.2}) as gw:
        assert chat(gw.url, gw.keys["active"], "fine").status_code == 200
        r = chat(gw.url, gw.keys["active"], failure)
        assert r.status_code == 503 and r.json()["error"]["code"] == "internal"
        assert r.json()["error"]["bastion"]["stage"] == "broken"
    denied = [x for x in records(sqlite_url) if x.get("reason") == "internal"]
    assert denied and denied[-1]["evidence"]["error"] == ("RuntimeError" if failure == "raise" else "timeout")


@pytest.mark.usefixtures("with_broken_stage")
def test_fail_open_is_explicit_and_recorded(sqlite_url: str) -> None:
    pipeline = {"stages": ["authenticate", "account_gate", "broken"], "fail_open": ["broken"], "allow_reduced": True}
    with running_gateway(sqlite_url, pipeline=pipeline) as gw:
        assert chat(gw.url, gw.keys["active"], "raise").status_code == 200
    flagged = [x for x in records(sqlite_url) if x.get("reason") == "internal_fail_open"]
    assert flagged and flagged[-1]["decision"] == "flag" and flagged[-1]["stage"] == "broken"


def test_unknown_stage_refuses_to_start() -> None:
    from bastion.config import Settings
    from bastion.gateway.app import build_pipeline

    class Fake:
        settings = Settings.model_validate({"pipeline": {"stages": ["authenticate", "no_such_stage"]}})

    with pytest.raises(ValueError, match="unknown pipeline stages"):
        build_pipeline(Fake())  # type: ignore[arg-type]
