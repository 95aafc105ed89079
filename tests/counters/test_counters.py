"""Sliding-window counters: the same behaviour in memory and in Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from bastion.counters.base import Counters, Limit, estimate, retry_after
from bastion.counters.memory import MemoryCounters
from bastion.counters.redis import RedisCounters

T0 = 1_800_000_000.0  # the start of a window (a multiple of 60)


@pytest.fixture(params=["memory", "redis"])
async def counters(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[Counters]:
    c: Counters = MemoryCounters() if request.param == "memory" else RedisCounters(
        redis_url, prefix=f"test:{uuid.uuid4().hex}")
    yield c
    await c.close()


async def test_admits_up_to_the_limit_then_refuses(counters: Counters) -> None:
    lim = [Limit("k", 5)]
    results = [(await counters.check_and_add(lim, T0 + 1)).allowed for _ in range(7)]
    assert results == [True] * 5 + [False] * 2
    refused = await counters.check_and_add(lim, T0 + 1)
    # the window rolls over in 59 s, then 5 * (1 - t/60) + 1 <= 5 needs t >= 12 s more
    assert refused.key == "k" and refused.estimate == 5 and 70.9 <= refused.retry_after_s <= 71.1


async def test_all_or_nothing_across_limits(counters: Counters) -> None:
    key, org = Limit("key", 10), Limit("org", 2)
    assert (await counters.check_and_add([key, org], T0)).allowed
    assert (await counters.check_and_add([key, org], T0)).allowed
    out = await counters.check_and_add([key, org], T0)
    assert not out.allowed and out.key == "org"
    # the refused request added nothing to the key's count either
    assert (await counters.check_and_add([Limit("key", 3)], T0)).allowed
    assert not (await counters.check_and_add([Limit("key", 3)], T0)).allowed


async def test_previous_window_decays(counters: Counters) -> None:
    lim = [Limit("k", 10)]
    for _ in range(10):
        assert (await counters.check_and_add(lim, T0 + 30)).allowed
    # 15 s into the next window, 75% of the previous 10 still count: 7.5 + 1 <= 10, 7.5 + 3 > 10
    assert (await counters.check_and_add(lim, T0 + 75)).allowed
    assert (await counters.check_and_add(lim, T0 + 75)).allowed
    assert not (await counters.check_and_add(lim, T0 + 75)).allowed
    # two windows later everything has expired
    assert (await counters.check_and_add(lim, T0 + 190)).allowed


async def test_tokens_added_afterwards_close_the_window(counters: Counters) -> None:
    tok = [Limit("tok", 999, cost=0)]  # a token window: admitted while under the limit
    assert (await counters.check_and_add(tok, T0)).allowed
    await counters.add("tok", 1000, T0)
    assert not (await counters.check_and_add(tok, T0)).allowed


def test_estimate_and_retry_after_agree() -> None:
    # after waiting retry_after, the same request fits exactly
    prev, curr, cost, limit, now = 8.0, 3.0, 1, 10, T0 + 12
    wait = retry_after(prev, curr, cost, limit, now)
    assert estimate(prev, curr, now) + cost > limit
    assert estimate(prev, curr, now + wait) + cost <= limit + 1e-9
