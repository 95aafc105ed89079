"""A served guard model as a second classifier: any OpenAI-compatible endpoint serving Llama Guard 3/4,
Qwen3Guard, gpt-oss-safeguard or a general model with Bastion's own prompt.

The conversation is sent as chat messages (a guard model's chat template turns them into its own
classification prompt); the answer's first line says ``safe`` or ``unsafe`` and the next names
categories, which ``verdict`` maps onto Bastion's taxonomy. ``None`` means the judge did not answer (an
error, a timeout, an unreadable reply): in ``grey`` mode the guard's own verdict stands, in ``all`` mode
the request is refused (fail closed).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import aiohttp
import orjson

from bastion.guard.settings import JudgeSettings

BASTION_PROMPT = (
    "You are a content-safety judge. Categories of concern: {cats}. Does the following text request or provide "
    "help with any of them? Answer 'safe' or 'unsafe' on the first line; if unsafe, list the categories on the "
    "second line.\n\nTEXT:\n{text}")

# Llama Guard 3/4 hazard codes (MLCommons taxonomy). A tuple lists candidates: the guard's own
# highest-scoring one among them is taken (S2 "non-violent crimes" is cyber when the guard says so).
LLAMA_GUARD: dict[str, tuple[str, ...]] = {
    "S1": ("general_harm",), "S2": ("cyber_offense", "general_harm"), "S3": ("general_harm",),
    "S4": ("general_harm",), "S5": ("general_harm",), "S6": ("general_harm",),
    "S7": ("mass_surveillance", "general_harm"), "S9": ("cbrn_weapons", "autonomous_weapons"),
    "S10": ("general_harm",), "S11": ("general_harm",), "S12": ("general_harm",),
    "S13": ("influence_operations",), "S14": ("cyber_offense",),
}
# Qwen3Guard's category names, lower-cased.
QWEN_GUARD: dict[str, tuple[str, ...]] = {
    "violent": ("general_harm", "cbrn_weapons", "autonomous_weapons"),
    "non-violent illegal acts": ("cyber_offense", "general_harm"),
    "sexual content or sexual acts": ("general_harm",), "pii": ("mass_surveillance", "general_harm"),
    "suicide & self-harm": ("general_harm",), "unethical acts": ("general_harm",),
    "politically sensitive topics": ("influence_operations",), "jailbreak": ("jailbreak",),
}
_CODE = re.compile(r"\bS(\d{1,2})\b")


@dataclass(frozen=True)
class JudgeVerdict:
    unsafe: bool
    categories: list[str]  # Bastion categories; may be empty when the judge named none we know


def verdict(answer: str, categories: list[str], scores: dict[str, float]) -> JudgeVerdict | None:
    """Read a guard model's answer. ``scores`` (the local guard's) break ties where a code maps to several
    Bastion categories, and name the category when the judge says unsafe without one."""
    lines = [ln.strip() for ln in answer.strip().splitlines() if ln.strip()]
    if not lines:
        return None
    first = lines[0].lower().removeprefix("safety:").strip()
    if first.startswith("unsafe") or first.startswith("controversial"):
        unsafe = True
    elif first.startswith("safe"):
        return JudgeVerdict(False, [])
    else:
        return None
    rest = " ".join(lines[1:]).lower()
    candidates: list[tuple[str, ...]] = [LLAMA_GUARD[f"S{m}"] for m in _CODE.findall(" ".join(lines[1:]))
                                         if f"S{m}" in LLAMA_GUARD]
    candidates += [cats for name, cats in QWEN_GUARD.items() if name in rest]
    candidates += [(c,) for c in categories if c in rest]
    known = [c for c in categories if c in scores]
    mapped = [max(group, key=lambda c: scores.get(c, 0.0)) for group in candidates]
    if not mapped and known:
        mapped = [max(known, key=lambda c: scores[c])]
    return JudgeVerdict(unsafe, sorted(set(mapped)))


class Judge:
    def __init__(self, settings: JudgeSettings) -> None:
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None

    def _messages(self, texts: list[str], categories: list[str]) -> list[dict[str, str]]:
        text = "\n".join(texts)[-8000:]
        if self.settings.dialect == "bastion":
            return [{"role": "user", "content": BASTION_PROMPT.format(cats=", ".join(categories), text=text)}]
        return [{"role": "user", "content": text}]

    async def ask(self, texts: list[str], categories: list[str], scores: dict[str, float]) -> JudgeVerdict | None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        if self.settings.api_key_env and os.environ.get(self.settings.api_key_env):
            headers["Authorization"] = f"Bearer {os.environ[self.settings.api_key_env]}"
        body = {"model": self.settings.model, "temperature": 0, "max_tokens": 32,
                "messages": self._messages(texts, categories)}
        try:
            async with self._session.post(self.settings.base_url.rstrip("/") + "/chat/completions",
                                          data=orjson.dumps(body), headers=headers,
                                          timeout=aiohttp.ClientTimeout(total=self.settings.timeout_s)) as r:
                if r.status != 200:
                    return None
                doc = orjson.loads(await r.read())
            answer = str(doc["choices"][0]["message"]["content"])
        except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError, KeyError, IndexError, TypeError):
            return None
        return verdict(answer, categories, scores)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
