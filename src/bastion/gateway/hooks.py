"""Ports the gateway calls around the upstream call; capabilities provide the implementations.

The gateway owns the request path; these protocols let the audit log and the output guard join
it without the gateway importing them.
"""

from __future__ import annotations

from typing import Any, Protocol

from bastion.gateway.context import RequestContext, Verdict


class DecisionRecorder(Protocol):
    """Makes the decision on ``ctx`` durable (invariant 2). ``phase`` is ``"decision"`` for the one
    record of a request refused before the upstream, ``"intent"`` for the input decision of an
    allowed request (before the upstream is called), ``"close"`` for its closing record (the
    outcome). Must not return before the record is durable; raises when it cannot be."""

    async def __call__(self, ctx: RequestContext, phase: str) -> None: ...


class StreamMonitor(Protocol):
    async def feed(self, delta: str) -> Verdict | None:
        """Take the next text delta; return a deny verdict to stop the stream."""
        ...

    async def finish(self) -> Verdict | None:
        """The stream ended upstream; a last look at the tail window."""
        ...


class AnswerGuard(Protocol):
    async def check_answer(self, ctx: RequestContext, text: str) -> Verdict: ...

    def stream_monitor(self, ctx: RequestContext) -> StreamMonitor: ...


class AdminRecorder(Protocol):
    """Appends an admin action (org created, key revoked, policy reloaded, ...) to the audit log."""

    async def __call__(self, action: str, actor: str, details: dict[str, Any]) -> None: ...
