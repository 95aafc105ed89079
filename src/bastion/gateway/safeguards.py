"""Secure by default: the pipeline a gateway runs at start-up, and what it may leave out.

A gateway without ``authenticate`` serves anyone; one without the access policy, the input guard or
the usage policy forwards prohibited uses to the model, and so does one that lets them fail open.
Such a pipeline refuses to start unless the operator sets ``[pipeline] allow_reduced = true``; a
start with it (or with fail-open stages) is recorded in the audit log, so a reduced gateway is never
a silent one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bastion.config import REQUIRED_STAGES, PipelineSettings

# What a request would get past without each required stage (named in the refusal).
_WITHOUT = {
    "authenticate": "requests would be served without an API key",
    "access_policy": "no check of who may use which model from where",
    "input_guard": "prompts would not be checked for prohibited uses",
    "usage_policy": "the usage policy would not decide on the guard's hazard categories",
}


class ReducedPipeline(ValueError):
    """The configured pipeline lacks required stages and ``allow_reduced`` is off."""


@dataclass(frozen=True, slots=True)
class PipelineSummary:
    stages: tuple[str, ...]
    fail_open: tuple[str, ...]
    missing: tuple[str, ...]
    # Required stages listed in fail_open: a request that makes one fail (a prompt long enough to
    # time the guard out) would pass it unchecked, so this needs the same allowance as leaving it out.
    required_fail_open: tuple[str, ...] = ()

    @property
    def reduced(self) -> bool:
        return bool(self.missing or self.required_fail_open)

    @property
    def weakened(self) -> bool:
        return bool(self.reduced or self.fail_open)

    @property
    def audit_action(self) -> str:
        return "pipeline.reduced" if self.reduced else "pipeline.fail_open"

    def describe(self) -> str:
        """One log line: stage names and settings only (no secrets live in these settings)."""
        line = f"pipeline: {' -> '.join(self.stages) or '(no stages)'}; fail_open: {list(self.fail_open)}"
        if self.reduced:
            gaps = ([f"missing {list(self.missing)}"] if self.missing else []) + (
                [f"required stages failing open {list(self.required_fail_open)}"] if self.required_fail_open else [])
            line += f"; REDUCED (allowed by pipeline.allow_reduced): {', '.join(gaps)}"
        return line

    def details(self) -> dict[str, list[str]]:
        return {"stages": list(self.stages), "fail_open": list(self.fail_open), "missing": list(self.missing),
                "required_fail_open": list(self.required_fail_open)}


def check_pipeline(settings: PipelineSettings) -> PipelineSummary:
    """The pipeline to run; raises ReducedPipeline when a required stage is missing or fails open and
    ``allow_reduced`` is off."""
    summary = PipelineSummary(tuple(settings.stages), tuple(settings.fail_open), tuple(settings.missing_required()),
                              tuple(s for s in REQUIRED_STAGES if s in settings.fail_open and s in settings.stages))
    if summary.reduced and not settings.allow_reduced:
        problems = []
        if summary.missing:
            why = "; ".join(f"without {name}, {_WITHOUT[name]}" for name in summary.missing)
            problems.append(f"the pipeline lacks {', '.join(summary.missing)} ({why})")
        if summary.required_fail_open:
            problems.append(f"pipeline.fail_open lists {', '.join(summary.required_fail_open)}, so a request "
                            "that makes them fail would pass them unchecked")
        raise ReducedPipeline(
            f"refusing to start: {'; and '.join(problems)}. Add the missing stages to [pipeline] stages and keep "
            "required stages out of fail_open, or set [pipeline] allow_reduced = true "
            "(BASTION_PIPELINE__ALLOW_REDUCED=true) to run a reduced pipeline on purpose; each such start is "
            "recorded in the audit log.")
    return summary
