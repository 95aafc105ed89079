"""Rate limit: requests and tokens per minute, per key and per org.

Each limit is the key's or org's own (``None``: not set, use ``[limits]``; ``0``: unlimited) or the
configured default (where ``0`` is unlimited too).

Requests are counted when admitted; tokens are known only from the upstream's ``usage`` and are
added after the response (``record_tokens``, called by the response half's usage accounting). A
request is admitted while the token estimate is under the limit, so a burst can overshoot TPM by
at most the requests already in flight.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bastion.config import LimitSettings
from bastion.counters.base import Counters, Limit
from bastion.gateway.context import Decision, RequestContext, Verdict, allow

if TYPE_CHECKING:
    from bastion.services import Services


class RateLimit:
    name = "rate_limit"

    def __init__(self, counters: Counters, defaults: LimitSettings) -> None:
        self.counters = counters
        self.defaults = defaults

    def limits_for(self, ctx: RequestContext) -> list[Limit]:
        p = ctx.principal
        assert p is not None
        d = self.defaults
        pairs = [
            (f"k:{p.key_id}:req", _own_or_default(p.key_rpm_limit, d.key_rpm), 1),
            (f"o:{p.org_id}:req", _own_or_default(p.rpm_limit, d.org_rpm), 1),
            (f"k:{p.key_id}:tok", _own_or_default(p.key_tpm_limit, d.key_tpm), 0),
            (f"o:{p.org_id}:tok", _own_or_default(p.tpm_limit, d.org_tpm), 0),
        ]
        # A cost-0 check passes while the estimate is below the limit (strictly: est + 0 > limit fails
        # only past it), so use limit - 1 for token windows: at the limit, refuse.
        return [Limit(key, limit if cost else max(limit - 1, 0), cost) for key, limit, cost in pairs if limit > 0]

    async def check(self, ctx: RequestContext) -> Verdict:
        if ctx.principal is None:
            return Verdict(Decision.DENY, "unauthenticated", "The request was not authenticated.", {}, 401)
        limits = self.limits_for(ctx)
        if not limits:
            return allow()
        outcome = await self.counters.check_and_add(limits, time.time())
        if outcome.allowed:
            return allow()
        assert outcome.key is not None
        scope = "key" if outcome.key.startswith("k:") else "org"
        unit = "tokens" if outcome.key.endswith(":tok") else "requests"
        return Verdict(
            Decision.DENY, f"rate_limited_{scope}_{unit}",
            f"Rate limit reached for {unit} per minute on this {scope}. Retry after "
            f"{max(1, round(outcome.retry_after_s))} s.",
            {"scope": scope, "unit": unit, "estimate": round(outcome.estimate, 1)},
            429, max(1.0, outcome.retry_after_s))


async def record_tokens(counters: Counters, ctx: RequestContext) -> None:
    """Add an answered request's tokens to its key's and org's token windows (the usage
    accounting stage of the response half calls this)."""
    p = ctx.principal
    tokens = ctx.prompt_tokens + ctx.completion_tokens
    if p is None or tokens <= 0:
        return
    now = time.time()
    await counters.add(f"k:{p.key_id}:tok", tokens, now)
    await counters.add(f"o:{p.org_id}:tok", tokens, now)


def _own_or_default(own: int | None, default: int) -> int:
    """An org's or key's own limit when it has one (0 = unlimited), else the configured default."""
    return default if own is None else own


def build(services: Services) -> RateLimit:
    return RateLimit(services.counters, services.settings.limits)
