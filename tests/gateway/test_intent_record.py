"""The intent record: an allowed request's input decision is durable before the upstream is called.

The failure is real: the database itself refuses the audit insert (a trigger on ``audit_entries``
that raises, on SQLite and PostgreSQL alike), as a full disk or a revoked grant would, while the
rest of the database keeps working, so the request gets as far as the intent record.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from bastion.store.db import create_engine
from tests.audit.test_gateway_audit import records
from tests.helpers import Running, running_gateway

PG_REFUSE = [
    "CREATE FUNCTION bastion_test_refuse() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'audit write refused (test)'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION bastion_test_refuse()",
]
PG_ALLOW = ["DROP TRIGGER refuse_audit ON audit_entries", "DROP FUNCTION bastion_test_refuse()"]
SQLITE_REFUSE = ["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entries "
                 "BEGIN SELECT RAISE(ABORT, 'audit write refused (test)'); END"]
SQLITE_ALLOW = ["DROP TRIGGER refuse_audit"]


def run_sql(db_url: str, statements: list[str]) -> None:
    async def go() -> None:
        engine = create_engine(db_url)
        try:
            async with engine.begin() as conn:
                for sql in statements:
                    await conn.execute(text(sql))
        finally:
            await engine.dispose()

    asyncio.run(go())


def chat(gw: Running, content: str, stream: bool = False, **extra: Any) -> httpx.Response:
    body = {"model": "demo-model", "stream": stream, "messages": [{"role": "user", "content": content}], **extra}
    return httpx.post(gw.v1 + "/chat/completions", json=body, timeout=20,
                      headers={"Authorization": f"Bearer {gw.keys['active']}"})


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_intent_then_close_in_that_order(sqlite_url: str, stream: bool) -> None:
    with running_gateway(sqlite_url) as gw:
        r = chat(gw, "hello there", stream)
        assert r.status_code == 200
        rid = r.headers["x-request-id"]
    mine = [x for x in records(sqlite_url) if x.get("request_id") == rid]
    assert [x["phase"] for x in mine] == ["intent", "close"]
    intent, close = mine
    assert intent["decision"] == close["decision"] == "allow"
    assert intent["prompt_sha256"] == close["prompt_sha256"]
    assert "answer_sha256" not in intent and "answer_sha256" in close  # the intent is written before any answer
    assert not intent["completion_tokens"] and close["completion_tokens"] > 0
    if stream:
        assert close["stream"] == {"ended": "complete"}


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_request_whose_intent_cannot_be_recorded_is_refused_and_never_forwarded(
        db_url: str, stream: bool) -> None:
    refuse, allow = (SQLITE_REFUSE, SQLITE_ALLOW) if db_url.startswith("sqlite") else (PG_REFUSE, PG_ALLOW)
    with running_gateway(db_url) as gw:
        assert gw.upstream is not None
        assert chat(gw, "warm up").status_code == 200
        assert gw.upstream.requests == 1
        run_sql(db_url, refuse)
        r = chat(gw, "do the work", stream)
        assert r.status_code == 503, r.text
        err = r.json()["error"]
        assert err["code"] == "audit_unavailable" and err["type"] == "api_error" and "not sent" in err["message"]
        assert gw.upstream.requests == 1  # the model never saw the request
        run_sql(db_url, allow)
        assert chat(gw, "after recovery", stream).status_code == 200  # the log works again, no restart
        assert gw.upstream.requests == 2
    assert not [x for x in records(db_url) if x.get("request_id") == r.headers["x-request-id"]]


@pytest.mark.parametrize("depth", [300, 1000])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_body_nested_past_the_limit_is_a_recorded_400_and_never_forwarded(
        sqlite_url: str, depth: int, stream: bool) -> None:
    # Written by hand: neither json nor orjson will serialise this deep (that is the point).
    nested = '{"a":' * depth + '"deep"' + "}" * depth
    flag = "true" if stream else "false"
    body = (f'{{"model":"demo-model","stream":{flag},"messages":[{{"role":"user","content":"nested"}}],'
            f'"metadata":{nested}}}')
    with running_gateway(sqlite_url) as gw:
        assert gw.upstream is not None
        r = httpx.post(gw.v1 + "/chat/completions", content=body.encode(), timeout=20,
                       headers={"Authorization": f"Bearer {gw.keys['active']}", "content-type": "application/json"})
        assert r.status_code == 400, r.text
        assert r.json()["error"]["type"] == "invalid_request_error"
        assert gw.upstream.requests == 0
        rid = r.headers["x-request-id"]
    mine = [x for x in records(sqlite_url) if x.get("request_id") == rid]
    assert [(x["phase"], x["decision"], x["status"]) for x in mine] == [("decision", "deny", 400)]


def test_a_stream_s_closing_record_is_durable_before_the_client_sees_its_end(sqlite_url: str) -> None:
    with running_gateway(sqlite_url) as gw:
        services = gw.app.services
        real = services.record_decision

        async def slow_close(ctx: Any, phase: str) -> None:  # TEST DOUBLE around the real recorder: a slow disk
            if phase == "close":
                await asyncio.sleep(0.5)
            await real(ctx, phase)

        services.record_decision = slow_close
        body = {"model": "demo-model", "stream": True, "messages": [{"role": "user", "content": "one two three"}]}
        with httpx.stream("POST", gw.v1 + "/chat/completions", json=body, timeout=20,
                          headers={"Authorization": f"Bearer {gw.keys['active']}"}) as r:
            seen = b""
            for part in r.iter_raw():
                seen += part
                if b"data: [DONE]" in seen:
                    break  # the moment a client (the openai SDK) stops reading
            rid = r.headers["x-request-id"]
            phases = [x["phase"] for x in records(sqlite_url) if x.get("request_id") == rid]
    assert phases == ["intent", "close"]
