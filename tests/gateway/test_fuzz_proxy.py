"""Hypothesis throws arbitrary bodies at the proxy routes: never a 5xx, never a hang, and every
refusal is OpenAI-shaped."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import running_gateway

ROUTES = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"]
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)

text = st.text(alphabet=st.characters(blacklist_characters="!", blacklist_categories=("Cs",)), max_size=60)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**12), st.floats(allow_nan=False), text)
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(text, inner, max_size=4)), max_leaves=12)
message = st.fixed_dictionaries({"role": st.one_of(st.sampled_from(["user", "system", "assistant"]), json_values)},
                                optional={"content": st.one_of(text, json_values), "tool_calls": json_values})
bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({"model": st.one_of(st.just("demo-model"), json_values)},
                          optional={"messages": st.one_of(st.lists(message, max_size=3), json_values),
                                    "prompt": st.one_of(text, json_values), "input": st.one_of(text, json_values),
                                    "stream": st.one_of(st.booleans(), json_values),
                                    "max_tokens": json_values, "tools": json_values,
                                    "stream_options": json_values}),
)


def check(resp: httpx.Response) -> None:
    assert resp.status_code < 500, (resp.status_code, resp.text[:300])
    if resp.status_code != 200:
        err = resp.json()["error"]
        assert isinstance(err["message"], str) and err["message"] and "type" in err and "code" in err


def test_arbitrary_json_bodies(sqlite_url: str) -> None:
    with running_gateway(sqlite_url, limits={"key_rpm": 0, "org_rpm": 0, "key_tpm": 0, "org_tpm": 0}) as gw, \
            httpx.Client(base_url=gw.url, timeout=10,
                         headers={"Authorization": f"Bearer {gw.keys['active']}"}) as http:

        @FUZZ
        @given(route=st.sampled_from(ROUTES), body=bodies)
        def run(route: str, body: Any) -> None:
            check(http.post(route, content=json.dumps(body)))

        run()


def test_arbitrary_bytes_and_headers(sqlite_url: str) -> None:
    with running_gateway(sqlite_url) as gw, httpx.Client(base_url=gw.url, timeout=10) as http:

        @FUZZ
        @given(route=st.sampled_from(ROUTES), raw=st.binary(max_size=300),
               auth=st.one_of(st.none(), st.text(max_size=60).filter(lambda s: s.isprintable() and s.isascii())))
        def run(route: str, raw: bytes, auth: str | None) -> None:
            headers = {"Authorization": auth} if auth is not None else {}
            headers["Authorization"] = headers.get("Authorization", "").strip()
            check(http.post(route, content=raw, headers=headers))

        run()


def test_oversize_and_chunked_bodies(sqlite_url: str) -> None:
    with running_gateway(sqlite_url, server={"max_body_bytes": 1000}) as gw:
        key = {"Authorization": f"Bearer {gw.keys['active']}"}
        big = json.dumps({"model": "demo-model", "messages": [{"role": "user", "content": "x" * 2000}]})
        r = httpx.post(gw.v1 + "/chat/completions", content=big, headers=key, timeout=10)
        assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"

        def chunks() -> Any:  # no Content-Length: the limit is enforced while reading
            for _ in range(10):
                yield b" " * 200

        r = httpx.post(gw.v1 + "/chat/completions", content=chunks(), headers=key, timeout=10)
        assert r.status_code == 413
