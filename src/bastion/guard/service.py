"""The guard in a gateway process: the input stage, the answer guard (whole answers and streams),
and the optional judge. Categories and scores go to the usage policy; when no usage-policy stage is
configured, the guard's own per-category thresholds decide."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bastion.gateway.context import Decision, GuardAssessment, RequestContext, Verdict, allow
from bastion.guard.engine import Guard, request_segments
from bastion.guard.judge import Judge
from bastion.guard.settings import GuardSettings
from bastion.guard.taxonomy import ATTACK_SIGNALS

if TYPE_CHECKING:
    from bastion.services import Services


class GuardService:
    def __init__(self, settings: GuardSettings, services: Services | None = None) -> None:
        self.settings = settings
        self.services = services
        path = Path(settings.model_file) if settings.model_file else None
        self.guard = Guard.load(path, settings.design, settings.thresholds)
        self.judge = Judge(settings.judge) if settings.judge else None

    async def assess(self, texts: list[str]) -> GuardAssessment:
        # Vectorising a few KB is ~1-5 ms of CPU: run it off the event loop only when it is large.
        size = sum(len(t) for t in texts)
        if size > 20_000:
            a = await asyncio.to_thread(self.guard.assess_texts, texts)
        else:
            a = self.guard.assess_texts(texts)
        grey = self.guard.grey(a, self.settings.grey_low) if self.judge else []
        if grey and self.judge is not None:
            verdict = await self.judge.unsafe("\n".join(texts), grey)
            a.evidence["judge"] = {"asked": grey, "unsafe": verdict}
            if verdict:
                top = max(grey, key=lambda c: a.scores[c])
                a.flagged.append(top)
        return a

    def policy_decides(self) -> bool:
        return self.services is not None and "usage_policy" in self.services.settings.pipeline.stages

    def verdict_for(self, ctx: RequestContext, a: GuardAssessment, where: str) -> Verdict:
        """Without a usage policy the guard's thresholds decide; with one, the policy does (for output,
        the policy is asked here, with the answer's categories)."""
        if where == "answer":
            # Jailbreak and injection are signals about inputs; an answer is judged on its hazards.
            a.flagged = [c for c in a.flagged if c not in ATTACK_SIGNALS]
        if not a.flagged:
            return allow()
        evidence: dict[str, Any] = {"categories": a.flagged, "scores": {c: round(a.scores[c], 3) for c in a.flagged}}
        policy = self.services.policy if self.services is not None else None
        if policy is not None and self.policy_decides() and ctx.principal is not None and ctx.model:
            decision = policy.engine.decide(ctx.principal, ctx.model, stage="usage",
                                            request_country=ctx.request_country, flagged=a.flagged, scores=a.scores)
            if decision.allowed:
                return allow()
            first = decision.ids[0] if decision.ids else "no_permit"
            return Verdict(Decision.DENY, f"policy.{first}", " ".join(decision.reasons) or "Refused by policy.",
                           {**evidence, "policy_ids": decision.ids, "where": where}, 403)
        top = max(a.flagged, key=lambda c: a.scores[c])
        return Verdict(Decision.DENY, f"guard.{top}", f"The {where} was refused by the usage policy ({top}).",
                       {**evidence, "where": where}, 403)

    # -- AnswerGuard port ----------------------------------------------------------------
    async def check_answer(self, ctx: RequestContext, text: str) -> Verdict:
        if not self.settings.check_output or not text:
            return allow()
        a = await self.assess([text])
        ctx.guard_output = a
        return self.verdict_for(ctx, a, "answer")

    def stream_monitor(self, ctx: RequestContext) -> StreamWindows:
        return StreamWindows(self, ctx)


class StreamWindows:
    """Scores the last ``window_chars`` of a streamed answer every ``stride_chars`` new characters,
    before those characters are relayed, so a flagged window stops the stream."""

    def __init__(self, service: GuardService, ctx: RequestContext) -> None:
        self.service = service
        self.ctx = ctx
        self.text = ""
        self.unscored = 0

    def _score(self) -> Verdict | None:
        s = self.service.settings
        window = self.text[-s.window_chars :]
        a = self.service.guard.assess_texts([window])
        prev = self.ctx.guard_output
        if prev is None or max(a.scores.values()) >= max(prev.scores.values()):
            self.ctx.guard_output = a
        self.unscored = 0
        v = self.service.verdict_for(self.ctx, a, "answer")
        return v if v.denied else None

    def feed(self, delta: str) -> Verdict | None:
        if not self.service.settings.check_output:
            return None
        self.text += delta
        self.unscored += len(delta)
        if self.unscored >= self.service.settings.stride_chars:
            return self._score()
        return None

    def finish(self) -> Verdict | None:
        if not self.service.settings.check_output or not self.unscored:
            return None
        return self._score()


class InputGuard:
    name = "input_guard"

    def __init__(self, service: GuardService) -> None:
        self.service = service

    async def check(self, ctx: RequestContext) -> Verdict:
        a = await self.service.assess(request_segments(ctx.body))
        ctx.guard_input = a
        if self.service.policy_decides():
            return allow()  # the usage_policy stage decides with these categories
        return self.service.verdict_for(ctx, a, "request")


def build_input(services: Services) -> InputGuard:
    if services.guard is None:
        raise ValueError("the input_guard stage is configured but [guard] enabled = false")
    service: GuardService = services.guard
    return InputGuard(service)


async def install(services: Services) -> None:
    if not services.settings.guard.enabled:
        return
    service = GuardService(services.settings.guard, services)
    services.guard = service
    services.answer_guard = service
    if service.judge is not None:
        services.closers.append(service.judge.close)
