"""Audit (response half): the intent record before the upstream call, the closing record after.

Invariant 2: ``before`` returns only once the input decision is durable (else the request is not
forwarded), ``after`` only once the outcome is (else the response is not released: durable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.gateway.context import RequestContext
from bastion.gateway.pipeline import ResponseStageBase

if TYPE_CHECKING:
    from bastion.services import Services


class AuditRecord(ResponseStageBase):
    name = "audit"
    durable = True

    def __init__(self, services: Services) -> None:
        self.services = services  # its recorder is read per call: installers may wrap it

    async def before(self, ctx: RequestContext) -> None:
        await self.services.record_decision(ctx, "intent")

    async def after(self, ctx: RequestContext) -> None:
        await self.services.record_decision(ctx, "close")
