"""Output guard (response half): the answer guard checks a whole answer, or a stream's windows."""

from __future__ import annotations

from bastion.gateway.context import RequestContext, Verdict
from bastion.gateway.hooks import AnswerGuard
from bastion.gateway.pipeline import DeltaCheck, ResponseStageBase


class OutputGuard(ResponseStageBase):
    name = "output_guard"

    def __init__(self, guard: AnswerGuard) -> None:
        self.guard = guard

    async def on_answer(self, ctx: RequestContext, text: str) -> Verdict | None:
        if ctx.route == "embeddings":  # vectors, not text: nothing to read
            return None
        return await self.guard.check_answer(ctx, text)

    def on_stream(self, ctx: RequestContext) -> DeltaCheck | None:
        return self.guard.stream_monitor(ctx)
