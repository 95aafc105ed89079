"""End to end with the official openai SDK (sync, async, streaming) against a running gateway."""

from __future__ import annotations

import openai
import pytest

from tests.helpers import Running


def client(gw: Running, key: str = "active") -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.v1, api_key=gw.keys[key], max_retries=0)


def test_chat_completion_sync(gw: Running) -> None:
    r = client(gw).chat.completions.create(model="demo-model", messages=[{"role": "user", "content": "hello there"}])
    assert r.choices[0].message.content == "Demo answer: you said 'hello there'."
    assert r.usage is not None and r.usage.prompt_tokens == 2


async def test_chat_completion_async(gw: Running) -> None:
    c = openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.keys["active"], max_retries=0)
    r = await c.chat.completions.create(model="demo-model", messages=[{"role": "user", "content": "async hi"}])
    assert "async hi" in (r.choices[0].message.content or "")
    await c.close()


def test_chat_streaming_relays_every_chunk(gw: Running) -> None:
    stream = client(gw).chat.completions.create(
        model="demo-model", messages=[{"role": "user", "content": "one two three"}], stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Demo answer: you said 'one two three'."
    # one chunk per word plus the finish chunk; the usage chunk Bastion asked for is not relayed
    assert len(chunks) == len(text.split(" ")) + 1
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)


def test_stream_usage_passed_through_when_client_asks(gw: Running) -> None:
    stream = client(gw).chat.completions.create(
        model="demo-model", messages=[{"role": "user", "content": "count me"}], stream=True,
        stream_options={"include_usage": True})
    usages = [c.usage for c in stream if c.usage is not None]
    assert len(usages) == 1 and usages[0].prompt_tokens == 2


async def test_async_streaming(gw: Running) -> None:
    c = openai.AsyncOpenAI(base_url=gw.v1, api_key=gw.keys["active"], max_retries=0)
    stream = await c.chat.completions.create(model="demo-model", stream=True,
                                             messages=[{"role": "user", "content": "stream async"}])
    text = "".join([ch.choices[0].delta.content or "" async for ch in stream if ch.choices])
    assert text.endswith("'stream async'.")
    await c.close()


def test_completions_and_embeddings(gw: Running) -> None:
    c = client(gw)
    r = c.completions.create(model="demo-model", prompt="complete this")
    assert r.choices[0].text == "Demo answer: you said 'complete this'."
    e = c.embeddings.create(model="demo-model", input=["a", "b"])
    assert len(e.data) == 2 and len(e.data[0].embedding) == 8
    assert e.data[0].embedding != e.data[1].embedding


def test_models_lists_configured_models(gw: Running) -> None:
    models = [m.id for m in client(gw).models.list()]
    assert models == ["demo-model"]
    assert client(gw).models.retrieve("demo-model").id == "demo-model"
    with pytest.raises(openai.NotFoundError):
        client(gw).models.retrieve("nope")


@pytest.mark.parametrize(("key", "exc", "code"), [
    ("pending", openai.PermissionDeniedError, "org_pending"),
    ("suspended", openai.PermissionDeniedError, "org_suspended"),
    ("revoked", openai.PermissionDeniedError, "key_revoked"),
])
def test_refused_accounts(gw: Running, key: str, exc: type[Exception], code: str) -> None:
    with pytest.raises(exc) as info:
        client(gw, key).chat.completions.create(model="demo-model", messages=[{"role": "user", "content": "x"}])
    assert info.value.code == code  # type: ignore[attr-defined]


def test_wrong_key_is_401(gw: Running) -> None:
    c = openai.OpenAI(base_url=gw.v1, api_key="bst_" + "A" * 40, max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        c.chat.completions.create(model="demo-model", messages=[{"role": "user", "content": "x"}])
    c2 = openai.OpenAI(base_url=gw.v1, api_key=gw.keys["active"][:-1] + ("a" if gw.keys["active"][-1] != "a" else "b"),
                       max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        c2.chat.completions.create(model="demo-model", messages=[{"role": "user", "content": "x"}])


def test_unknown_model_is_404(gw: Running) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        client(gw).chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "x"}])
    assert info.value.code == "model_not_found"
