"""The classifier runs off the event loop; concurrent requests are scored together; a failure reaches
every waiting request (and the stage then refuses)."""

from __future__ import annotations

import asyncio
import threading
import time

from bastion.guard.batching import MicroBatcher


async def test_concurrent_requests_share_calls_and_get_their_own_scores() -> None:
    calls: list[list[str]] = []
    loop_thread = threading.get_ident()

    def score_many(texts: list[str], head: str) -> list[dict[str, float]]:
        assert threading.get_ident() != loop_thread  # never on the event loop
        calls.append(list(texts))
        time.sleep(0.05)
        return [{"len": float(len(t)), "answer": float(head == "answer")} for t in texts]

    b = MicroBatcher(score_many, workers=1)
    try:
        results = await asyncio.gather(*(b.score(["x" * n, "y"]) for n in range(1, 9)), b.score(["zz"], "answer"))
    finally:
        b.close()
    assert [r[0]["len"] for r in results[:8]] == [float(n) for n in range(1, 9)]
    assert all(r[1]["len"] == 1.0 for r in results[:8])
    assert results[8] == [{"len": 2.0, "answer": 1.0}]
    assert len(calls) < 9  # later requests waited and went together


async def test_a_failing_classifier_fails_every_waiter() -> None:
    def broken(texts: list[str], head: str) -> list[dict[str, float]]:
        raise RuntimeError("model gone")

    b = MicroBatcher(broken, workers=2)
    try:
        results = await asyncio.gather(*(b.score(["a"]) for _ in range(5)), return_exceptions=True)
    finally:
        b.close()
    assert all(isinstance(r, RuntimeError) for r in results)


async def test_the_loop_keeps_serving_while_the_classifier_runs() -> None:
    def slow(texts: list[str], head: str) -> list[dict[str, float]]:
        time.sleep(0.3)
        return [{} for _ in texts]

    b = MicroBatcher(slow, workers=1)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        for _ in range(10):
            await asyncio.sleep(0.01)
            ticks += 1

    try:
        await asyncio.gather(b.score(["a"]), ticker())
    finally:
        b.close()
    assert ticks == 10
