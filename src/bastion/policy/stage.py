"""The two policy points in the pipeline, one policy set:

* ``access_policy`` right after authentication and the account gate: may this key use this model from
  here at all? Cheap, and no guard work is spent on a request that may not reach the model.
* ``usage_policy`` right after the input guard: the same policies, now with the guard's flagged
  categories in the context.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.gateway.context import Decision, RequestContext, Verdict, allow
from bastion.policy.engine import PolicyDecision

if TYPE_CHECKING:
    from bastion.policy.service import PolicyService
    from bastion.services import Services

ROUTE_ACTIONS = {"chat.completions": "invoke", "completions": "invoke", "embeddings": "invoke",
                 "models": "list_models"}


def _verdict(ctx: RequestContext, decision: PolicyDecision, stage: str) -> Verdict:
    ctx.facts["policy"] = {"stage": stage, "ids": decision.ids, "reasons": decision.reasons}
    if decision.allowed:
        return allow()
    first = decision.ids[0] if decision.ids else "no_permit"
    message = " ".join(decision.reasons) or "No policy permits this request."
    if decision.errors:
        first, message = "evaluation_error", "The request could not be checked against the policy."
    return Verdict(Decision.DENY, f"policy.{first}", message, {"policy_ids": decision.ids}, 403)


class PolicyStage:
    def __init__(self, service: PolicyService, stage: str) -> None:
        self.service = service
        self.stage = stage
        self.name = f"{stage}_policy"

    async def check(self, ctx: RequestContext) -> Verdict:
        p = ctx.principal
        if p is None or ctx.model is None:
            return Verdict(Decision.DENY, "unauthenticated", "The request was not authenticated.", {}, 401)
        if ctx.model not in self.service.engine.models:
            return allow()  # unknown models are answered 404 by the router
        country = self.service.request_country(ctx)
        guard = ctx.guard_input if self.stage == "usage" else None
        decision = self.service.engine.decide(p, ctx.model, ROUTE_ACTIONS.get(ctx.route, "invoke"),
                                              stage=self.stage, request_country=country,
                                              flagged=guard.flagged if guard else (),
                                              scores=guard.scores if guard else None)
        return _verdict(ctx, decision, self.stage)


def _service(services: Services) -> PolicyService:
    if services.policy is None:
        raise ValueError("a policy stage is configured but [policy] enabled = false")
    service: PolicyService = services.policy
    return service


def build_access(services: Services) -> PolicyStage:
    return PolicyStage(_service(services), "access")


def build_usage(services: Services) -> PolicyStage:
    return PolicyStage(_service(services), "usage")
