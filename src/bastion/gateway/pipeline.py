"""The decision pipeline: an ordered list of stages, each one async ``check`` returning a verdict;
and its response half (output guard, usage accounting, audit), run around the upstream call.

Invariant 1 (fail closed): a stage that raises or overruns its time budget denies the request with
reason ``internal`` unless the operator listed that stage in ``pipeline.fail_open`` (then the
failure is recorded as a ``flag`` and the request goes on; the audit record shows it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
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


# -- the response half ---------------------------------------------------------------------
# After the request stages allowed a request, the response half runs around the upstream call, in
# DESIGN.md's order: output guard, usage accounting, audit. Each stage is one object with the same
# four steps; a step a stage has no use for is ResponseStageBase's no-op.
ANSWER_UNCHECKED = "The answer could not be checked, so it was not delivered."


class DeltaCheck(Protocol):
    """One stream's check of its text as it comes (a stage's state for that stream)."""

    async def feed(self, delta: str) -> Verdict | None: ...

    async def finish(self) -> Verdict | None: ...


class ResponseStage(Protocol):
    name: str
    # A durable stage makes the outcome durable (the audit): when its ``after`` fails, the response
    # must not be released, since nothing after it could record why.
    durable: bool

    async def before(self, ctx: RequestContext) -> None:
        """Just before the upstream call; raising means the request is not forwarded."""
        ...

    async def on_answer(self, ctx: RequestContext, text: str) -> Verdict | None:
        """A whole answer; a deny withholds it."""
        ...

    def on_stream(self, ctx: RequestContext) -> DeltaCheck | None:
        """Once per stream: the check of its deltas, or None."""
        ...

    async def after(self, ctx: RequestContext) -> None:
        """The outcome is known (on ``ctx``); the last step of every forwarded request."""
        ...


class ResponseStageBase:
    name = "response_stage"
    durable = False

    async def before(self, ctx: RequestContext) -> None:
        return None

    async def on_answer(self, ctx: RequestContext, text: str) -> Verdict | None:
        return None

    def on_stream(self, ctx: RequestContext) -> DeltaCheck | None:
        return None

    async def after(self, ctx: RequestContext) -> None:
        return None


class NotForwarded(Exception):
    """A stage's ``before`` failed: the request must not reach the upstream."""

    def __init__(self, stage: str) -> None:
        super().__init__(stage)
        self.stage = stage


def _unchecked(stage: str, exc: Exception) -> Verdict:
    log.warning("response stage %s failed: %s", stage, type(exc).__name__)
    return Verdict(Decision.DENY, "internal", ANSWER_UNCHECKED, {"stage": stage, "error": type(exc).__name__}, 503)


class StreamChecks:
    """The response stages' checks of one stream, run in order on each delta and at the end."""

    def __init__(self, checks: list[tuple[str, DeltaCheck]]) -> None:
        self.checks = checks

    async def on_delta(self, ctx: RequestContext, delta: str) -> Verdict | None:
        return await self._run(ctx, lambda c: c.feed(delta))

    async def on_end(self, ctx: RequestContext) -> Verdict | None:
        return await self._run(ctx, lambda c: c.finish())

    async def _run(self, ctx: RequestContext,
                   step: Callable[[DeltaCheck], Awaitable[Verdict | None]]) -> Verdict | None:
        for name, check in self.checks:
            try:
                verdict = await step(check)
            except Exception as exc:  # fail closed: an unchecked stream is stopped
                verdict = _unchecked(name, exc)
            if verdict is not None and verdict.denied:
                ctx.final, ctx.deciding_stage = verdict, name
                return verdict
        return None


class ResponsePipeline:
    """The response half: ordered stages, each failure closed (no fail-open setting applies here)."""

    def __init__(self, stages: Sequence[ResponseStage]) -> None:
        self.stages = list(stages)

    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages]

    async def before(self, ctx: RequestContext) -> None:
        for stage in self.stages:
            try:
                await stage.before(ctx)
            except Exception as exc:
                log.error("response stage %s failed before the upstream call: %s", stage.name, type(exc).__name__)
                raise NotForwarded(stage.name) from exc

    async def on_answer(self, ctx: RequestContext, text: str) -> Verdict | None:
        for stage in self.stages:
            try:
                verdict = await stage.on_answer(ctx, text)
            except Exception as exc:  # fail closed: an unchecked answer is withheld
                verdict = _unchecked(stage.name, exc)
            if verdict is not None and verdict.denied:
                ctx.final, ctx.deciding_stage = verdict, stage.name
                return verdict
        return None

    def on_stream(self, ctx: RequestContext) -> StreamChecks:
        """Raises when a stage cannot start checking the stream (the caller refuses it)."""
        checks = [(s.name, c) for s in self.stages if (c := s.on_stream(ctx)) is not None]
        return StreamChecks(checks)

    async def after(self, ctx: RequestContext) -> str | None:
        """Run every stage's ``after`` in order; the name of the first that failed, or None.

        A failing stage denies the request (``internal``, 503) and the later ones still run, so the
        closing record names the failure; a durable stage's failure is raised instead.
        """
        failed: str | None = None
        for stage in self.stages:
            try:
                await stage.after(ctx)
            except Exception as exc:
                if stage.durable:
                    raise
                log.exception("response stage %s failed after the answer", stage.name)
                failed = failed or stage.name
                if not ctx.final.denied:
                    ctx.final = Verdict(Decision.DENY, "internal", f"The answer was withheld: {stage.name} failed.",
                                        {"stage": stage.name, "error": type(exc).__name__}, 503)
                    ctx.deciding_stage = stage.name
        return failed
