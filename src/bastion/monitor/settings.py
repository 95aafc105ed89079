"""Settings for account monitoring (``[monitor]`` in bastion.toml): windows, signal thresholds, weights,
and the risk thresholds that choose an action. docs/monitor.md explains each one."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Signals that describe scale, not abuse: together they can raise a risk that another signal has
# started, but alone they are capped below the review threshold (a busy batch customer is not abuse).
CONTEXT_SIGNALS = ("volume_near_limit", "templated_share", "new_account_burst")

DEFAULT_WEIGHTS: dict[str, float] = {
    "volume_near_limit": 0.25,
    "templated_share": 0.3,
    "new_account_burst": 0.25,
    "topic_sweep": 0.4,
    "long_answers": 0.35,
    "cot_elicitation": 0.35,
    "flagged_share": 0.45,
    "rephrase_probing": 0.75,
    "key_countries": 0.45,
    "impossible_travel": 0.5,
    "network_rotation": 0.45,
    "kyc_country_mismatch": 0.3,
    "restricted_origin": 0.5,
    "coordinated_cluster": 0.8,
}


class ActionThresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    review: float = Field(0.5, ge=0, le=1)
    step_down: float = Field(0.7, ge=0, le=1)
    throttle: float = Field(0.85, ge=0, le=1)
    suspend: float = Field(0.95, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> ActionThresholds:
        if not self.review <= self.step_down <= self.throttle <= self.suspend:
            raise ValueError("monitor.actions thresholds must satisfy review <= step_down <= throttle <= suspend")
        return self


class MonitorSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # -- transport (the gateway's events) and actions; docs/monitor.md "Running the monitor" --
    # The gateway emits one event per decided request. Off the hot path: a bounded in-process queue
    # (full: the event is dropped and counted, the request never waits), drained by a background task.
    emit: bool = True
    queue_size: int = Field(10_000, ge=1)
    batch: int = Field(256, ge=1)
    # With a Redis URL the drain XADDs to this stream (capped near stream_maxlen) and `bastion monitor
    # run` workers read it in a consumer group; without one, `bastion serve` runs the engine in-process.
    redis_url: str | None = None
    stream: str = "bastion:monitor:events"
    stream_maxlen: int = Field(1_000_000, ge=1)
    group: str = "bastion-monitor"
    # A worker re-claims another consumer's unacknowledged events after they sat this long (a crash).
    claim_idle_ms: int = Field(60_000, ge=0)
    # The lowest action that opens a review case, and what the account gate is told for the others.
    case_at: Literal["review", "step_down", "throttle", "suspend"] = "review"
    apply_actions: bool = True
    throttle_rpm: int = Field(10, ge=1)

    # Bounds on memory: accounts tracked (least recently seen dropped first), keys per account,
    # the recent-request window each share is taken over, template clusters per account.
    max_accounts: int = Field(200_000, ge=1)
    max_keys_per_account: int = Field(64, ge=1)
    window_requests: int = Field(512, ge=16)
    max_templates: int = Field(16, ge=1)
    # An account is re-assessed every this many of its requests; clusters are searched every sweep.
    assess_every: int = Field(25, ge=1)
    cluster_sweep_s: float = Field(3600.0, gt=0)
    # Shares are judged only over at least this many recent requests.
    min_requests: int = Field(100, ge=1)

    # Fingerprint distances (bits of 64): same template, varied slot, near-duplicate rephrasing.
    template_distance: int = Field(6, ge=0, le=16)
    slot_distance: int = Field(3, ge=0, le=64)
    rephrase_distance: int = Field(18, ge=0, le=32)
    rephrase_window_s: float = Field(3600.0, gt=0)

    # Volume: requests per hour counted as "near the limit" (the org's real limit, once the gateway
    # emits events; a reference figure in replay), and how many such hours in a day make it sustained.
    reference_rph: int = Field(1000, ge=1)
    near_limit_fraction: float = Field(0.5, gt=0, le=1)
    sustained_hours: int = Field(6, ge=1, le=24)
    # A short prompt with a long answer: prompt at most this many tokens, answer this many times longer.
    short_prompt_tokens: int = Field(150, ge=1)
    long_answer_ratio: float = Field(6.0, gt=0)
    long_answer_min_tokens: int = Field(400, ge=1)

    # Key sharing and proxies.
    key_window_s: float = Field(6 * 3600.0, gt=0)
    travel_kmh: float = Field(1000.0, gt=0)
    travel_min_km: float = Field(500.0, ge=0)
    restricted_countries: list[str] = Field(default_factory=lambda: ["KP", "IR", "SY", "CU"])

    # New accounts: created (or first seen, after the monitor has watched for new_account_grace_s)
    # within new_account_s, with at least burst_requests in their first day.
    new_account_s: float = Field(3 * 86_400.0, gt=0)
    new_account_grace_s: float = Field(86_400.0, ge=0)
    burst_requests: int = Field(500, ge=1)

    # Coordinated clusters: the fewest members that make a finding, and what links two accounts.
    cluster_min_size: int = Field(5, ge=2)
    cluster_template_distance: int = Field(6, ge=0, le=7)
    cluster_min_share: float = Field(0.5, gt=0, le=1)
    cluster_created_within_s: float = Field(3 * 86_400.0, ge=0)

    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # The most that context signals can add, and the abuse evidence at which they add all of it
    # (below it, in proportion; with no abuse signal, nothing).
    context_cap: float = Field(0.45, ge=0, le=1)
    context_full_at: float = Field(0.25, gt=0, le=1)
    actions: ActionThresholds = Field(default_factory=ActionThresholds)

    @model_validator(mode="after")
    def _known_weights(self) -> MonitorSettings:
        unknown = sorted(set(self.weights) - set(DEFAULT_WEIGHTS))
        if unknown:
            raise ValueError(f"monitor.weights names unknown signals: {', '.join(unknown)}")
        bad = [k for k, v in self.weights.items() if not 0 <= v <= 1]
        if bad:
            raise ValueError(f"monitor.weights must lie in [0, 1]: {', '.join(bad)}")
        self.weights = {**DEFAULT_WEIGHTS, **self.weights}
        return self
