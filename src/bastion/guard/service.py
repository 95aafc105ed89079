"""The guard in a gateway process: the input stage, the answer guard (whole answers and streams),
and the optional judge. Categories and scores go to the usage policy; when no usage-policy stage is
configured, the guard's own per-category thresholds decide."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bastion.gateway.context import Decision, GuardAssessment, RequestContext, Verdict, allow
from bastion.guard.batching import MicroBatcher
from bastion.guard.engine import Guard, request_segments
from bastion.guard.judge import Judge
from bastion.guard.settings import GuardSettings
from bastion.guard.taxonomy import ATTACK_SIGNALS

if TYPE_CHECKING:
    from bastion.services import Services


class JudgeUnavailable(RuntimeError):
    """The served guard did not answer in ``all`` mode: the stage raises, the pipeline refuses (internal)."""


class GuardService:
    def __init__(self, settings: GuardSettings, services: Services | None = None) -> None:
        self.settings = settings
        self.services = services
        path = Path(settings.model_file) if settings.model_file else None
        self.guard = Guard.load(path, settings.thresholds)
        self.batcher = MicroBatcher(self.guard.score_many, settings.workers)
        self.judge = Judge(settings.judge) if settings.judge else None

    async def assess(self, texts: list[str], head: str = "prompt") -> GuardAssessment:
        a = self.guard.combine(await self.batcher.score([t for t in texts if t and t.strip()], head), head)
        if self.judge is not None:
            await self._ask_judge(a, texts, head)
        return a

    async def _ask_judge(self, a: GuardAssessment, texts: list[str], head: str) -> None:
        """Grey mode: scores in the grey band get a second opinion that can only add a flag. All mode: every
        text scoring at least ``min_score`` is judged; an unanswered judge refuses (fail closed)."""
        assert self.judge is not None
        js = self.judge.settings
        if js.mode == "grey":
            asked = self.guard.grey(a, self.settings.grey_low, head)
            if not asked:
                return
        else:
            asked = list(self.guard.categories)
            if max(a.scores.values(), default=0.0) < js.min_score:
                return
        v = await self.judge.ask(texts, asked, a.scores)
        a.evidence["judge"] = {"mode": js.mode, "asked": asked, "unsafe": None if v is None else v.unsafe,
                               "categories": [] if v is None else v.categories}
        if v is None:
            if js.mode == "all":
                raise JudgeUnavailable("the guard endpoint did not answer")
            return
        if v.unsafe:
            named = [c for c in v.categories if c in a.scores] or [max(asked, key=lambda c: a.scores[c])]
            a.flagged.extend(c for c in named if c not in a.flagged)

    def close(self) -> None:
        self.batcher.close()

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
        a = await self.assess([text], head="answer")
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

    async def _score(self) -> Verdict | None:
        s = self.service.settings
        window = self.text[-s.window_chars :]
        a = await self.service.assess([window], head="answer")
        prev = self.ctx.guard_output
        if prev is None or max(a.scores.values()) >= max(prev.scores.values()):
            self.ctx.guard_output = a
        self.unscored = 0
        v = self.service.verdict_for(self.ctx, a, "answer")
        return v if v.denied else None

    async def feed(self, delta: str) -> Verdict | None:
        if not self.service.settings.check_output:
            return None
        self.text += delta
        self.unscored += len(delta)
        if self.unscored >= self.service.settings.stride_chars:
            return await self._score()
        return None

    async def finish(self) -> Verdict | None:
        if not self.service.settings.check_output or not self.unscored:
            return None
        return await self._score()


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

    async def close_batcher() -> None:
        service.close()

    services.closers.append(close_batcher)
