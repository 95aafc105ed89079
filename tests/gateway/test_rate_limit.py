"""RPM and TPM per key and per org through the gateway, in-process and with Redis."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from bastion.store.accounts import AccountStore
from bastion.store.db import create_engine
from tests.helpers import Running, running_gateway


def chat(gw: Running, key: str, text: str = "hello there") -> httpx.Response:
    return httpx.post(gw.v1 + "/chat/completions", headers={"Authorization": f"Bearer {key}"}, timeout=10,
                      json={"model": "demo-model", "messages": [{"role": "user", "content": text}]})


def counters(backend: str, redis_url: str) -> dict[str, Any]:
    return {"backend": backend, "redis_url": redis_url, "prefix": f"test:{uuid.uuid4().hex}"}


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_key_rpm(sqlite_url: str, redis_url: str, backend: str) -> None:
    limits = {"key_rpm": 3, "org_rpm": 100, "key_tpm": 0, "org_tpm": 0}
    with running_gateway(sqlite_url, limits=limits, counters=counters(backend, redis_url)) as gw:
        codes = [chat(gw, gw.keys["active"]).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        r = chat(gw, gw.keys["active"])
        assert r.json()["error"]["code"] == "rate_limited_key_requests"
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["error"]["type"] == "rate_limit_error"


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_org_rpm_spans_keys(sqlite_url: str, redis_url: str, backend: str) -> None:
    limits = {"key_rpm": 100, "org_rpm": 4, "key_tpm": 0, "org_tpm": 0}
    with running_gateway(sqlite_url, limits=limits, counters=counters(backend, redis_url)) as gw:

        async def second_key() -> str:
            engine = create_engine(sqlite_url)
            issued = await AccountStore(engine, gw.settings.server.server_secret).create_key(gw.orgs["active"]["id"])
            await engine.dispose()
            return issued.key

        other = asyncio.run(second_key())
        codes = [chat(gw, k).status_code for k in (gw.keys["active"], other) * 3]
        assert codes == [200, 200, 200, 200, 429, 429]
        assert chat(gw, other).json()["error"]["code"] == "rate_limited_org_requests"


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_tpm_counts_upstream_usage(sqlite_url: str, redis_url: str, backend: str) -> None:
    # The demo upstream counts words: "one two three four five" + an echo answer is ~15 tokens.
    limits = {"key_rpm": 100, "org_rpm": 100, "key_tpm": 20, "org_tpm": 0}
    with running_gateway(sqlite_url, limits=limits, counters=counters(backend, redis_url)) as gw:
        assert chat(gw, gw.keys["active"], "one two three four five").status_code == 200
        assert chat(gw, gw.keys["active"], "one two three four five").status_code == 200  # 15 < 20 still admitted
        r = chat(gw, gw.keys["active"], "one two three four five")
        assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited_key_tokens"
