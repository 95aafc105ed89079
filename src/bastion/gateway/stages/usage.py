"""Usage accounting (response half): the answer's tokens into the metrics and the TPM windows."""

from __future__ import annotations

from bastion.counters.base import Counters
from bastion.gateway.context import RequestContext
from bastion.gateway.metrics import TOKENS
from bastion.gateway.pipeline import ResponseStageBase
from bastion.gateway.stages.ratelimit import record_tokens


class UsageAccounting(ResponseStageBase):
    name = "usage_accounting"

    def __init__(self, counters: Counters | None) -> None:
        # None when the request pipeline has no rate_limit stage: nothing reads token windows then.
        self.counters = counters

    async def after(self, ctx: RequestContext) -> None:
        model = ctx.model or ""
        if ctx.prompt_tokens:
            TOKENS.labels(model, "prompt").inc(ctx.prompt_tokens)
        if ctx.completion_tokens:
            TOKENS.labels(model, "completion").inc(ctx.completion_tokens)
        if self.counters is not None:
            await record_tokens(self.counters, ctx)
