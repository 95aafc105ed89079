"""Optional second opinion for grey-band scores: an OpenAI-compatible judge endpoint (for example a
served Llama Guard). The judge answers ``safe`` or ``unsafe`` on its first line; anything else, or a
failure to answer, keeps the guard's own verdict (the judge can only add flags, never remove one)."""

from __future__ import annotations

import os

import aiohttp
import orjson

from bastion.guard.settings import JudgeSettings

PROMPT = ("You are a content-safety judge. Categories of concern: {cats}. Does the following text request or "
          "provide help with any of them? Answer 'safe' or 'unsafe' on the first line; if unsafe, list the "
          "categories on the second line.\n\nTEXT:\n{text}")


class Judge:
    def __init__(self, settings: JudgeSettings) -> None:
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None

    async def unsafe(self, text: str, categories: list[str]) -> bool | None:
        """True/False from the judge, None when it could not answer."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        if self.settings.api_key_env and os.environ.get(self.settings.api_key_env):
            headers["Authorization"] = f"Bearer {os.environ[self.settings.api_key_env]}"
        body = {"model": self.settings.model, "temperature": 0, "max_tokens": 20,
                "messages": [{"role": "user", "content": PROMPT.format(cats=", ".join(categories), text=text[:4000])}]}
        try:
            async with self._session.post(self.settings.base_url.rstrip("/") + "/chat/completions",
                                          data=orjson.dumps(body), headers=headers,
                                          timeout=aiohttp.ClientTimeout(total=self.settings.timeout_s)) as r:
                if r.status != 200:
                    return None
                doc = orjson.loads(await r.read())
        except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError):
            return None
        try:
            answer = str(doc["choices"][0]["message"]["content"]).strip().lower()
        except (KeyError, IndexError, TypeError):
            return None
        first = answer.splitlines()[0] if answer else ""
        if first.startswith("unsafe"):
            return True
        if first.startswith("safe"):
            return False
        return None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
