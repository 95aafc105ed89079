"""The decision pipeline: an ordered list of stages, each one async ``check`` returning a verdict.

Invariant 1 (fail closed): a stage that raises or overruns its time budget denies the request with
reason ``internal`` unless the operator listed that stage in ``pipeline.fail_open`` (then the
failure is recorded as a ``flag`` and the request goes on; the audit record shows it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bastion.gateway.context import Decision, RequestContext, StageRecord, Verdict
from bastion.gateway.metrics import STAGE_SECONDS

log = logging.getLogger("bastion.pipeline")


@runtime_checkable
class Stage(Protocol):
    name: str

    async def check(self, ctx: RequestContext) -> Verdict: ...


class Pipeline:
    def __init__(self, stages: Sequence[Stage], timeout_s: float, fail_open: Sequence[str] = ()) -> None:
        self.stages = list(stages)
        self.timeout_s = timeout_s
        self.fail_open = frozenset(fail_open)

    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages]

    async def run(self, ctx: RequestContext, only: Sequence[str] | None = None) -> Verdict:
        """Run the stages in order; stop at the first denial. Returns the final verdict."""
        for stage in self.stages:
            if only is not None and stage.name not in only:
                continue
            verdict = await self.run_stage(stage, ctx)
            if verdict.denied:
                ctx.final = verdict
                ctx.deciding_stage = stage.name
                return verdict
            if verdict.decision is Decision.FLAG and ctx.final.decision is Decision.ALLOW:
                ctx.final = verdict
                ctx.deciding_stage = stage.name
        return ctx.final

    async def run_stage(self, stage: Stage, ctx: RequestContext) -> Verdict:
        start = time.perf_counter_ns()
        try:
            # asyncio.timeout adds no task per stage (wait_for would): cheap on the hot path.
            async with asyncio.timeout(self.timeout_s):
                verdict = await stage.check(ctx)
        except Exception as exc:
            kind = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
            log.warning("stage %s failed: %s", stage.name, kind)
            if stage.name in self.fail_open:
                verdict = Verdict(Decision.FLAG, "internal_fail_open", f"stage {stage.name} failed ({kind})",
                                  {"stage": stage.name, "error": kind})
            else:
                verdict = Verdict(Decision.DENY, "internal", "the request could not be checked and was refused",
                                  {"stage": stage.name, "error": kind}, 503)
        elapsed_ns = time.perf_counter_ns() - start
        ctx.trail.append(StageRecord(stage.name, verdict, elapsed_ns // 1000))
        STAGE_SECONDS.labels(stage.name).observe(elapsed_ns / 1e9)
        return verdict
