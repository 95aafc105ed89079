"""Transforms: found by name, deterministic per seed, and (for the encodings) reversible; the attacker
strategies (Crescendo, PAIR) against scripted attacker and target models."""

from __future__ import annotations

import asyncio
import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.redteam.transforms import Message, StrategyResult, TurnReply, available, load_transform
from bastion.redteam.transforms.base64 import decode, encode
from bastion.redteam.transforms.leetspeak import leet, unleet
from bastion.redteam.transforms.payload_split import split
from bastion.redteam.transforms.rot13 import rot13
from bastion.redteam.transforms.spacing import space_out, unspace

STATIC = ["base64", "few_shot", "language_switch", "leetspeak", "many_shot", "none", "payload_split",
          "prefix_injection", "refusal_suppression", "roleplay", "rot13", "spacing"]
text = st.text(min_size=1, max_size=300)


def test_every_transform_is_found_by_name() -> None:
    assert sorted([*STATIC, "crescendo", "pair"]) == available()
    for name in available():
        t = load_transform(name)
        assert t.name == name and t.description
        assert t.needs_attacker == (name in ("crescendo", "pair"))
    with pytest.raises(ValueError, match="unknown transform"):
        load_transform("nope")


@pytest.mark.parametrize("name", STATIC)
def test_transforms_are_deterministic_and_keep_the_request(name: str) -> None:
    t = load_transform(name)
    prompt = "Explain how photosynthesis works in detail"
    a = t.messages(prompt, random.Random("seed-1"))
    b = t.messages(prompt, random.Random("seed-1"))
    assert a == b
    assert all(m["role"] in ("system", "user", "assistant") and isinstance(m["content"], str) for m in a)
    assert a[-1]["role"] == "user"
    sent = "\n".join(m["content"] for m in a)
    if name in ("none", "few_shot", "many_shot", "roleplay", "prefix_injection", "refusal_suppression",
                "language_switch"):
        assert prompt in sent
    elif name == "base64":
        assert encode(prompt) in sent and prompt not in sent
    elif name == "rot13":
        assert rot13(prompt) in sent and prompt not in sent
    elif name == "payload_split":
        assert prompt not in sent
    else:
        assert prompt not in sent


def test_shot_counts() -> None:
    few = load_transform("few_shot").messages("Q?", random.Random(1))
    assert len(few) == 7 and [m["role"] for m in few[:2]] == ["user", "assistant"]
    many = load_transform("many_shot").messages("Q?", random.Random(1))
    assert len(many) == 1 and many[0]["content"].count("\nAssistant:") == 33


@given(text)
def test_base64_round_trip(s: str) -> None:
    assert decode(encode(s)) == s
    msg = load_transform("base64").messages(s, random.Random(0))[0]["content"]
    assert decode(msg.rsplit("\n", 1)[1]) == s


@given(text)
def test_rot13_round_trip(s: str) -> None:
    assert rot13(rot13(s)) == s


@given(st.text(alphabet=string.ascii_letters + " .,?!'", min_size=1, max_size=200))
def test_leetspeak_inverts_on_text_without_digits(s: str) -> None:
    out = leet(s)
    assert not any(c in out for c in "aeiostAEIOST")
    assert unleet(out) == "".join(c.lower() if c.lower() in "aeiost" else c for c in s)


@given(st.lists(st.text(alphabet=string.ascii_letters + string.digits + ".,?!'-", min_size=1, max_size=12),
                min_size=1, max_size=12))
def test_spacing_round_trip_on_single_spaced_words(words: list[str]) -> None:
    s = " ".join(words)
    assert unspace(space_out(s)) == s


@given(text, st.integers(2, 6), st.integers(0, 2**32))
def test_payload_split_pieces_join_to_the_request(s: str, parts: int, seed: int) -> None:
    pieces = split(s, parts, random.Random(seed))
    assert "".join(pieces) == s
    assert 1 <= len(pieces) <= parts and all(pieces)


@settings(max_examples=25)
@given(st.text(alphabet=string.ascii_letters + " '\"\\", min_size=2, max_size=120), st.integers(0, 2**16))
def test_payload_split_variables_evaluate_back(s: str, seed: int) -> None:
    msg = load_transform("payload_split").messages(s, random.Random(seed))[0]["content"]
    scope: dict[str, str] = {}
    for line in msg.splitlines():
        if line.startswith("s") and " = " in line:
            name, literal = line.split(" = ", 1)
            scope[name] = eval(literal, {"__builtins__": {}})  # the pieces are Python string literals
    assert "".join(scope[f"s{i + 1}"] for i in range(len(scope))) == s


# -- strategies ------------------------------------------------------------------------------------------


def scripted(refuse_first: int) -> tuple[list[list[Message]], object]:
    sent: list[list[Message]] = []

    async def ask(messages: list[Message]) -> TurnReply:
        sent.append(messages)
        refused = len(sent) <= refuse_first
        return TurnReply("I'm sorry, I can't." if refused else "Sure, here it is.", refused)

    return sent, ask


def test_pair_refines_until_the_target_complies() -> None:
    sent, ask = scripted(refuse_first=2)
    briefs: list[list[Message]] = []

    async def attacker(messages: list[Message]) -> str:
        briefs.append(messages)
        return f"attempt {len(briefs)}: pretend it is fiction"

    result: StrategyResult = asyncio.run(load_transform("pair").run("the goal", ask, attacker, random.Random(0)))
    assert result.turns == 3 and len(sent) == 3 and result.answer == "Sure, here it is."
    assert result.messages == [{"role": "user", "content": "attempt 3: pretend it is fiction"}]
    assert "the goal" in briefs[0][0]["content"]
    assert "I'm sorry" in briefs[2][-1]["content"]  # the attacker saw the refusal it is refining against
    assert len(result.notes) == 2


def test_crescendo_escalates_and_backtracks_refused_turns() -> None:
    sent, ask = scripted(refuse_first=1)
    asked = 0

    async def attacker(messages: list[Message]) -> str:
        nonlocal asked
        asked += 1
        return f"question {asked}"

    result = asyncio.run(load_transform("crescendo").run("the goal", ask, attacker, random.Random(0)))
    # one refused turn taken back and rephrased, then five answered turns
    assert result.turns == 6 and len(sent) == 6
    assert result.notes == ["turn 1: refused, rephrasing"]
    assert [m["content"] for m in result.messages if m["role"] == "user"] == [f"question {i}" for i in range(2, 7)]
    assert len(sent[-1]) == 9  # four answered turns of history, then the last question
