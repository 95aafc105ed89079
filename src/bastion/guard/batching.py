"""Run the classifier off the event loop, scoring concurrent requests together.

A request's texts join a queue; up to ``workers`` threads each take everything queued (up to
``max_texts``) and score it in one classifier call. Under light load a request is scored alone at once;
under heavy load the calls grow instead of the queue, which is where batching pays (one tokenizer call,
fewer, fuller ONNX runs). ONNX Runtime releases the GIL while it computes, so the loop keeps serving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

Scores = dict[str, float]
ScoreMany = Callable[[list[str], str], list[Scores]]
Waiting = list[tuple[list[str], "asyncio.Future[list[Scores]]"]]


class MicroBatcher:
    def __init__(self, score_many: ScoreMany, workers: int, max_texts: int = 64) -> None:
        self.score_many = score_many
        self.workers = workers
        self.max_texts = max_texts
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="guard")
        self.pending: dict[str, Waiting] = {}
        self.running = 0

    async def score(self, texts: list[str], head: str = "prompt") -> list[Scores]:
        fut: asyncio.Future[list[Scores]] = asyncio.get_running_loop().create_future()
        self.pending.setdefault(head, []).append((texts, fut))
        self._dispatch()
        return await fut

    def _take(self) -> tuple[str, Waiting] | None:
        for head, queue in self.pending.items():
            if queue:
                batch: Waiting = []
                size = 0
                while queue and (not batch or size + len(queue[0][0]) <= self.max_texts):
                    item = queue.pop(0)
                    batch.append(item)
                    size += len(item[0])
                return head, batch
        return None

    def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while self.running < self.workers:
            taken = self._take()
            if taken is None:
                return
            head, batch = taken
            self.running += 1
            flat = [t for texts, _ in batch for t in texts]
            job = loop.run_in_executor(self.pool, self.score_many, flat, head)
            job.add_done_callback(lambda j, b=batch: self._done(j, b))  # type: ignore[misc]

    def _done(self, job: asyncio.Future[list[Scores]], batch: Waiting) -> None:
        self.running -= 1
        exc = job.exception()
        start = 0
        for texts, fut in batch:
            part = slice(start, start + len(texts))
            start += len(texts)
            if fut.done():  # its request went away
                continue
            if exc is not None:
                fut.set_exception(exc)  # the stage raises: the pipeline denies with reason internal
            else:
                fut.set_result(job.result()[part])
        self._dispatch()

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
