"""Upstream failures and malformed requests: each gets the right status, OpenAI-shaped."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bastion.gateway.demo_upstream import DemoUpstream
from bastion.gateway.server import BackgroundServer, free_port
from tests.helpers import Running, running_gateway


def post(gw: Running, body: Any, raw: bytes | None = None) -> httpx.Response:
    return httpx.post(gw.v1 + "/chat/completions", headers={"Authorization": f"Bearer {gw.keys['active']}"},
                      content=raw if raw is not None else None, json=None if raw is not None else body, timeout=15)


def say(text: str) -> dict[str, Any]:
    return {"model": "demo-model", "messages": [{"role": "user", "content": text}]}


def assert_openai_error(r: httpx.Response, status: int, code: str | None = None) -> None:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) >= {"message", "type", "code"} and err["message"]
    if code:
        assert err["code"] == code


@pytest.mark.parametrize("status", [400, 404, 429, 500, 503])
def test_upstream_errors_pass_through(gw: Running, status: int) -> None:
    assert_openai_error(post(gw, say(f"!status {status}")), status, "planted")


def test_non_openai_upstream_error_is_wrapped(sqlite_url: str) -> None:
    async def plain(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 502, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"bad gateway from nginx"})

    with BackgroundServer(plain) as up, \
            running_gateway(sqlite_url, models={"demo-model": {"upstreams": [{"base_url": up + "/v1"}]}}) as gw:
        r = post(gw, say("hello"))
        assert_openai_error(r, 502, "upstream_error")
        assert "nginx" in r.json()["error"]["message"]


def test_upstream_timeout_is_504(sqlite_url: str) -> None:
    with BackgroundServer(DemoUpstream()) as up, running_gateway(
            sqlite_url, models={"demo-model": {"upstreams": [{"base_url": up + "/v1", "timeout_s": 0.3}]}}) as gw:
        assert_openai_error(post(gw, say("!sleep 1500")), 504, "upstream_timeout")


def test_unreachable_is_502_and_failover_to_the_next_upstream(sqlite_url: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    with BackgroundServer(DemoUpstream()) as up:
        with running_gateway(sqlite_url, models={"demo-model": {"upstreams": [{"base_url": dead}]}}) as gw:
            assert_openai_error(post(gw, say("hello")), 502, "upstream_unreachable")
        with running_gateway(sqlite_url.replace(".db", "2.db"), models={"demo-model": {"upstreams": [
                {"base_url": dead}, {"base_url": up + "/v1"}]}}) as gw:
            r = post(gw, say("hello"))
            assert r.status_code == 200 and "hello" in r.json()["choices"][0]["message"]["content"]


@pytest.mark.parametrize(("raw", "code"), [
    (b"{not json", "invalid_json"),
    (b"[1, 2]", "invalid_request"),
    (b'{"messages": []}', "missing_model"),
    (b'{"model": "demo-model", "messages": "hi"}', "invalid_request"),
    (b'{"model": "demo-model", "messages": [{"content": "no role"}]}', "invalid_request"),
    (b'{"model": "demo-model", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}', "invalid_request"),
    (b'{"model": "demo-model", "messages": [{"role": "user", "content": "x"}], "max_tokens": -1}', "invalid_request"),
])
def test_malformed_requests_are_400(gw: Running, raw: bytes, code: str) -> None:
    assert_openai_error(post(gw, None, raw), 400, code)


def test_wrong_method_and_unknown_path(gw: Running) -> None:
    assert_openai_error(httpx.get(gw.v1 + "/chat/completions", timeout=5), 405)
    assert_openai_error(httpx.get(gw.url + "/nope", timeout=5), 404)
    assert httpx.get(gw.url + "/healthz", timeout=5).json() == {"status": "ok"}
    metrics = httpx.get(gw.url + "/metrics", headers=gw.admin_headers, timeout=5).text
    assert "bastion_requests_total" in metrics
