"""The HTTP side: one chat-completions call to an OpenAI-compatible endpoint, with retries on 429/5xx
(exponential backoff with jitter, ``Retry-After`` honoured), a per-request timeout, and the outcome
sorted into ``ok`` (an answer), ``blocked`` (refused by a gateway such as Bastion, with its OpenAI-shaped
error code, or withheld with ``finish_reason: content_filter``) or ``error``.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import orjson

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
# 400 codes some providers use for their own content filters; Bastion refuses with 403 and `policy.*`.
FILTER_CODES = frozenset({"content_filter", "content_policy_violation"})


def chat_url(base: str) -> str:
    """``http://host/v1`` -> ``http://host/v1/chat/completions``; a full path is kept; a bare host gets ``/v1``."""
    parts = urlsplit(base.rstrip("/"))
    path = parts.path
    if not path.endswith("/chat/completions"):
        path = (path if path.endswith("/v1") else path + "/v1") + "/chat/completions"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def public_url(url: str) -> str:
    """The URL without user info or query (what goes in a report)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@dataclass(frozen=True)
class Endpoint:
    url: str
    model: str
    api_key_env: str | None = None
    timeout_s: float = 60.0
    retries: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    max_tokens: int = 512
    temperature: float = 0.0

    def api_key(self) -> str | None:
        if not self.api_key_env:
            return None
        value = os.environ.get(self.api_key_env)
        if not value:
            raise ValueError(f"environment variable {self.api_key_env} (the API key) is not set")
        return value


@dataclass(slots=True)
class Reply:
    status: str  # ok | blocked | error
    text: str = ""
    http_status: int | None = None
    code: str | None = None  # the gateway's error code, "content_filter", or the error's kind
    message: str = ""
    tries: int = 0
    latency_ms: float = 0.0


def classify(http_status: int, body: bytes) -> Reply:
    """What one HTTP answer means (no retry decision here)."""
    try:
        doc = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict):
        return Reply("error", http_status=http_status, code="invalid_body", message=body[:200].decode("utf-8",
                                                                                                       "replace"))
    err = doc.get("error")
    if http_status >= 400 or err is not None:
        err = err if isinstance(err, dict) else {"message": str(err)}
        code = err.get("code")
        code = str(code) if code is not None else None
        message = str(err.get("message") or "")[:500]
        blocked = (http_status == 403 and code is not None) or (http_status == 400 and code in FILTER_CODES)
        return Reply("blocked" if blocked else "error", http_status=http_status, code=code or f"http_{http_status}",
                     message=message)
    choices = doc.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return Reply("error", http_status=http_status, code="no_choices")
    choice = choices[0]
    msg = choice.get("message")
    content = msg.get("content") if isinstance(msg, dict) else choice.get("text")
    if choice.get("finish_reason") == "content_filter" and not content:
        return Reply("blocked", http_status=http_status, code="content_filter")
    return Reply("ok", text=content if isinstance(content, str) else "", http_status=http_status)


class ChatClient:
    """Chat completions against one endpoint over a shared ``aiohttp`` session."""

    def __init__(self, endpoint: Endpoint, session: aiohttp.ClientSession, rng: random.Random | None = None) -> None:
        self.endpoint = endpoint
        self.session = session
        self.url = chat_url(endpoint.url)
        key = endpoint.api_key()
        self.headers = {"Content-Type": "application/json"}
        if key:
            self.headers["Authorization"] = f"Bearer {key}"
        self.timeout = aiohttp.ClientTimeout(total=endpoint.timeout_s)
        self.rng = rng or random.Random()

    def body(self, messages: list[dict[str, str]]) -> bytes:
        e = self.endpoint
        return orjson.dumps({"model": e.model, "messages": messages, "max_tokens": e.max_tokens,
                             "temperature": e.temperature})

    def delay(self, attempt: int, retry_after: str | None) -> float:
        e = self.endpoint
        if retry_after:
            try:
                return min(e.max_backoff_s, max(0.0, float(retry_after)))
            except ValueError:
                pass
        base: float = min(e.max_backoff_s, e.backoff_s * 2.0 ** (attempt - 1))
        return base * (0.5 + self.rng.random() / 2)

    async def chat(self, messages: list[dict[str, str]]) -> Reply:
        data = self.body(messages)
        start = time.perf_counter()
        tries = 0
        while True:
            tries += 1
            retry_after = None
            try:
                async with self.session.post(self.url, data=data, headers=self.headers,
                                             timeout=self.timeout) as resp:
                    raw = await resp.read()
                    status = resp.status
                    retry_after = resp.headers.get("Retry-After")
                reply = classify(status, raw)
                retry = status in RETRY_STATUSES or status >= 500
            except TimeoutError:
                reply, retry = Reply("error", code="timeout", message=f"no answer in {self.endpoint.timeout_s} s"), True
            except aiohttp.ClientError as exc:
                reply, retry = Reply("error", code="connection", message=str(exc)[:300]), True
            if not retry or tries > self.endpoint.retries:
                reply.tries = tries
                reply.latency_ms = round((time.perf_counter() - start) * 1000, 3)
                return reply
            await asyncio.sleep(self.delay(tries, retry_after))

    async def text(self, messages: list[dict[str, str]]) -> str:
        """The answer's text, or an exception naming the failure (for attacker and judge models)."""
        reply = await self.chat(messages)
        if reply.status != "ok":
            raise RuntimeError(f"{self.url}: {reply.code} {reply.message}".strip())
        return reply.text

