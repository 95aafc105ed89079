"""Parser limits that agree: nesting, message count and string length are refused at parse time
(OpenAI-shaped 400) and such a body never reaches the upstream; errors never quote a huge value."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from bastion.gateway.validation import SERIALISABLE_DEPTH, BodyLimits, check_shape, quote
from tests.helpers import Running, running_gateway


def nested(levels: int) -> Any:
    """A JSON value ``levels`` deep (an array of arrays ... of 1)."""
    value: Any = 1
    for _ in range(levels - 1):
        value = [value]
    return value


def chat(**extra: Any) -> dict[str, Any]:
    return {"model": "demo-model", "messages": [{"role": "user", "content": "hello"}], **extra}


def post_raw(gw: Running, raw: bytes) -> httpx.Response:
    return httpx.post(gw.v1 + "/chat/completions", content=raw, timeout=15,
                      headers={"Authorization": f"Bearer {gw.keys['active']}", "content-type": "application/json"})


def assert_refused(r: httpx.Response, code: str) -> dict[str, Any]:
    assert r.status_code == 400, r.text
    err: dict[str, Any] = r.json()["error"]
    assert err["type"] == "invalid_request_error" and err["code"] == code and err["message"]
    return err


def deep_raw(levels: int) -> bytes:
    # Written by hand: orjson itself cannot write more than 254 levels.
    return b'{"model":"demo-model","messages":[{"role":"user","content":"hi"}],"extra":' + \
        b"[" * (levels - 1) + b"1" + b"]" * (levels - 1) + b"}"


@pytest.mark.parametrize("levels", [300, 1000])
def test_deep_bodies_are_400_and_never_forwarded(gw: Running, levels: int) -> None:
    assert gw.upstream is not None
    before = gw.upstream.requests
    assert_refused(post_raw(gw, deep_raw(levels)), "nesting_too_deep")
    assert gw.upstream.requests == before
    # the gateway is unharmed and a normal request still goes through
    assert post_raw(gw, orjson.dumps(chat())).status_code == 200
    assert gw.upstream.requests == before + 1


def test_deeper_than_the_json_parser_allows_is_400(gw: Running) -> None:
    assert gw.upstream is not None
    before = gw.upstream.requests
    assert_refused(post_raw(gw, deep_raw(3000)), "invalid_json")
    assert gw.upstream.requests == before


def test_nesting_inside_messages_counts_too(gw: Running) -> None:
    body = chat(messages=[{"role": "user", "content": [{"type": "text", "text": "x", "meta": nested(70)}]}])
    assert_refused(post_raw(gw, orjson.dumps(body)), "nesting_too_deep")
    # 64 levels in all is allowed (the object, the array and 62 more)
    assert post_raw(gw, orjson.dumps(chat(extra=nested(63)))).status_code == 200


def test_message_count_and_string_length_limits(sqlite_url: str) -> None:
    with running_gateway(sqlite_url, server={"max_messages": 3, "max_string_chars": 1000}) as gw:
        assert gw.upstream is not None
        four = [{"role": "user", "content": "x"}] * 4
        assert_refused(post_raw(gw, orjson.dumps(chat(messages=four))), "too_many_messages")
        long = [{"role": "user", "content": "y" * 1001}]
        err = assert_refused(post_raw(gw, orjson.dumps(chat(messages=long))), "string_too_long")
        assert "yyyy" not in err["message"]
        assert_refused(post_raw(gw, orjson.dumps(chat(user="z" * 1001))), "string_too_long")
        assert_refused(post_raw(gw, orjson.dumps(chat(metadata={"k" * 1001: 1}))), "string_too_long")
        assert gw.upstream.requests == 0
        ok = [{"role": "user", "content": "y" * 1000}] * 3
        assert post_raw(gw, orjson.dumps(chat(messages=ok))).status_code == 200


def test_a_huge_model_name_is_not_echoed(gw: Running) -> None:
    name = "m" * 500_000
    r = post_raw(gw, orjson.dumps({"model": name, "messages": [{"role": "user", "content": "x"}]}))
    err = assert_refused(r, "invalid_model")
    assert len(r.content) < 1000 and "mmmm" not in err["message"]
    # a model id that is long but within the limit is quoted truncated when it is unknown
    r = httpx.get(gw.v1 + "/models/" + "n" * 5000, headers={"Authorization": f"Bearer {gw.keys['active']}"},
                  timeout=15)
    assert r.status_code == 404 and len(r.content) < 1000


def test_depth_limit_cannot_exceed_what_serialisation_supports() -> None:
    with pytest.raises(ValueError):
        BodyLimits(max_depth=SERIALISABLE_DEPTH + 1)
    limits = BodyLimits(max_depth=SERIALISABLE_DEPTH)
    deepest = {"a": nested(SERIALISABLE_DEPTH - 1)}
    check_shape(deepest, limits)  # allowed, and the gateway can write it again
    assert orjson.loads(orjson.dumps(deepest)) == deepest


def test_quote_truncates() -> None:
    assert quote("abc") == "abc"
    q = quote("x" * 10_000)
    assert len(q) < 100 and q.endswith("(10000 characters)")
