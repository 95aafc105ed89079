"""Signals: each reads one account's state and says how strongly (0..1) one abuse pattern shows, with
the evidence a reviewer needs to check it. Each is designed from the threat it names; thresholds are
settings. A signal that does not fire returns None. docs/monitor.md lists them with their blind spots.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bastion.monitor.fingerprint import TOPICS
from bastion.monitor.settings import CONTEXT_SIGNALS, MonitorSettings
from bastion.monitor.state import COT, FLAGGED, LONG, REFUSED, TEMPLATED, AccountState

ACTIONS = ("none", "review", "step_down", "throttle", "suspend")


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    value: float
    evidence: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": round(self.value, 4), "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class Assessment:
    org: str
    risk: float
    action: str
    signals: tuple[Signal, ...]
    ts: float
    requests: int  # the account's requests seen when it was assessed

    def as_json(self) -> dict[str, Any]:
        return {"org": self.org, "risk": round(self.risk, 4), "action": self.action,
                "signals": [s.as_json() for s in self.signals]}


@dataclass(frozen=True, slots=True)
class ClusterFinding:
    """One group of linked accounts (coordinated_cluster): the same finding for every member."""

    cluster_id: str
    members: tuple[str, ...]
    links: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    shape: float = 0.0  # members' mean extraction shape (see extraction_shape)


def _clamp(x: float) -> float:
    return 0.0 if x <= 0 else 1.0 if x >= 1 else x


def _enough(st: AccountState, s: MonitorSettings) -> bool:
    return len(st.marks) >= s.min_requests


# -- distillation / extraction -----------------------------------------------------------------------


def volume_near_limit(st: AccountState, now: float, s: MonitorSettings) -> Signal | None:
    near = s.reference_rph * s.near_limit_fraction
    current = int(now // 3600)
    day = [c for h, c in st.hours if current - h < 24]
    hot = sum(1 for c in day if c >= near)
    if not hot:
        return None
    return Signal("volume_near_limit", _clamp(hot / s.sustained_hours),
                  {"hours_near_limit_24h": hot, "peak_requests_per_hour": max(day), "near_limit_rph": near})


def templated_share(st: AccountState, now: float, s: MonitorSettings) -> Signal | None:
    if not _enough(st, s):
        return None
    share = st.share(TEMPLATED)
    value = _clamp((share - 0.5) / 0.4)
    if not value:
        return None
    top = st.dominant_template()
    return Signal("templated_share", value, {
        "templated_share": round(share, 3), "window_requests": len(st.marks),
        "top_template_requests": top.count if top else 0, "template_clusters": len(st.templates)})


def topic_sweep(st: AccountState, now: float, s: MonitorSettings) -> Signal | None:
    """A template whose slots walk across many subject areas: a capability map being extracted."""
    templated = st.count(TEMPLATED)
    if templated < s.min_requests // 2:
        return None
    counts = [c for c in st.templated_topics if c > 0]
    distinct = len(counts)
    if distinct < 6:
        return None
    entropy = -sum(c / templated * math.log(c / templated) for c in counts) / math.log(len(TOPICS))
    value = _sweep_strength(distinct, entropy)
    if not value:
        return None
    topics = sorted((TOPICS[i] for i, c in enumerate(st.templated_topics) if c), key=str)
    return Signal("topic_sweep", value, {"topics": topics, "templated_requests": templated,
                                         "topic_entropy": round(entropy, 3)})


def long_answers(st: AccountState, now: float, s: MonitorSettings) -> Signal | None:
    if not _enough(st, s):
        return None
    share = st.share(LONG)
    value = _clamp((share - 0.3) / 0.4)
    if not value:
        return None
    return Signal("long_answers", value, {"short_prompt_long_answer_share": round(share, 3),
                                          "window_requests": len(st.marks)})


def cot_elicitation(st: AccountState, now: float, s: MonitorSettings) -> Signal | None:
    """Step-by-step reasoning asked for at scale, with answers far longer than the questions."""
    if not _enough(st, s):
        return None
    share = st.share(COT)
    cot_n = st.count(COT)
    if not cot_n:
        return None
    ratio = st.cot_completion_tokens / max(st.cot_prompt_tokens, 1)
    value = _cot_strength(share, ratio)
    if not value:
        return None
    return Signal("cot_elicitation", value, {"cot_share": round(share, 3), "cot_requests": cot_n,
                                             "answer_to_prompt_tokens": round(ratio, 2)})


def _sweep_strength(distinct_topics: int, entropy: float) -> float:
    # A product's own template stays in a few areas (a coding agent: code, some security and maths);
    # a capability sweep spreads evenly over most of them.
    return _clamp((distinct_topics - 5) / 5) * _clamp(entropy / 0.6)


def _cot_strength(share: float, answer_ratio: float) -> float:
    # A reasoning trace worth distilling is much longer than its question: an agent whose system prompt
    # says "think step by step" over a long context answers shorter than it reads, and stays at zero.
    return _clamp((share - 0.3) / 0.5) * _clamp((answer_ratio - 1) / 3)


def extraction_shape(st: AccountState, s: MonitorSettings) -> float:
    """How much an account's traffic looks like extraction regardless of its volume (for clusters,
    whose members are each too small to pass ``min_requests``)."""
    n = len(st.marks)
    if n < 20:
        return 0.0
    cot = _cot_strength(st.share(COT), st.cot_completion_tokens / max(st.cot_prompt_tokens, 1))
    long = _clamp((st.share(LONG) - 0.3) / 0.4)
    templated = st.count(TEMPLATED)
    sweep = 0.0
    if templated >= 10:
        counts = [c for c in st.templated_topics if c > 0]
        entropy = -sum(c / templated * math.log(c / templated) for c in counts) / math.log(len(TOPICS))
        sweep = _sweep_strength(len(counts), entropy)
    probing = _clamp(st.share(FLAGGED) / 0.25)
    return max(cot, long, sweep, probing)


# -- guard probing -----------------------------------------------------------------------------------


def flagged_share(st: AccountState, now: float, s: MonitorSettings) -> Signal | None:
    flagged = st.count(FLAGGED)
    if flagged < 10:
        return None
    share = flagged / len(st.marks)
    value = _clamp((share - 0.05) / 0.3)  # a few percent flagged is what hazard-adjacent research looks like
    if not value:
        return None
    return Signal("flagged_share", value, {"flagged_requests": flagged, "refused_requests": st.count(REFUSED),
                                           "window_requests": len(st.marks), "flagged_share": round(share, 3)})


def rephrase_probing(st: AccountState, now: float, s: MonitorSettings) -> Signal | None:
    if st.refused_rephrased < 2 and not st.probe_successes:
        return None
    # probing is sustained: one user rewording a refused request once or twice (and sometimes getting
    # an answer, when the first refusal was wrong) is ordinary; chain after chain is not
    value = _clamp((st.refused_rephrased + 2 * st.probe_successes - 4) / 16)
    if value < 0.25:
        return None
    return Signal("rephrase_probing", value, {
        "refused_rephrasings": st.refused_rephrased, "rephrasings_then_allowed": st.probe_successes,
        "closest_distance_bits": st.closest_rephrase, "distance_threshold_bits": s.rephrase_distance})


# -- key sharing and proxies ---------------------------------------------------------------------------


def key_countries(st: AccountState, now: float, s: MonitorSettings) -> Signal | None:
    horizon = now - s.key_window_s
    best: tuple[int, str, list[str]] | None = None
    for key, ks in st.keys.items():
        countries = {c for t, c, _, _ in ks.seen if t >= horizon and c}
        if len(countries) >= 3 and (best is None or len(countries) > best[0]):
            best = (len(countries), key, sorted(countries))
    if best is None:
        return None
    return Signal("key_countries", _clamp((best[0] - 2) / 4),
                  {"key": best[1], "countries": best[2], "window_s": s.key_window_s})


def impossible_travel(st: AccountState, now: float, s: MonitorSettings) -> Signal | None:
    horizon = now - 86_400
    best: tuple[float, str, list[tuple[float, str, str, int | str]], list[str]] | None = None
    for key, ks in st.keys.items():
        jumps = [j for j in ks.jumps if j[0] >= horizon]
        countries = {j[1] for j in jumps} | {j[2] for j in jumps}
        networks = {j[3] for j in jumps}
        # a VPN toggled on and off, a team in two offices, a backend in three regions of one cloud:
        # jumps among a few places; people sharing a key jump among many places and networks
        if len(countries) >= 4 and len(networks) >= 4:
            value = _clamp(len(jumps) / 10) * _clamp((len(countries) - 3) / 2)
            if best is None or value > best[0]:
                best = (value, key, jumps, sorted(countries))
    if best is None:
        return None
    examples = [{"ts": j[0], "from": j[1], "to": j[2]} for j in best[2][-3:]]
    return Signal("impossible_travel", best[0], {"key": best[1], "jumps_24h": len(best[2]), "countries": best[3],
                                                 "speed_over_kmh": s.travel_kmh, "examples": examples})


def network_rotation(st: AccountState, now: float, s: MonitorSettings) -> Signal | None:
    """A key whose requests keep arriving from new networks: a rotating (residential) proxy pool."""
    horizon = now - s.key_window_s
    best: tuple[float, str, int, int, int] | None = None
    for key, ks in st.keys.items():
        recent = [(a, p) for t, _, a, p in ks.seen if t >= horizon]
        if len(recent) < 32:
            continue
        prefixes = len({p for _, p in recent})
        networks = len({a for a, _ in recent})
        ratio = prefixes / len(recent)
        if networks >= 5 and (best is None or ratio > best[0]):
            best = (ratio, key, prefixes, networks, len(recent))
    if best is None:
        return None
    value = _clamp((best[0] - 0.4) / 0.4)
    if not value:
        return None
    return Signal("network_rotation", value, {"key": best[1], "distinct_prefixes": best[2],
                                              "distinct_networks": best[3], "requests": best[4]})


def kyc_country_mismatch(st: AccountState, now: float, s: MonitorSettings) -> Signal | None:
    if st.kyc_known < 20 or not st.kyc_mismatch:
        return None
    share = st.kyc_mismatch / st.kyc_known
    if share < 0.5:
        return None
    top = sorted(st.mismatch_countries.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    # one other country is a foreign office or a remote team; many are exits of a proxy network
    value = share * _clamp(len(st.mismatch_countries) / 3)
    return Signal("kyc_country_mismatch", value, {"kyc_country": st.kyc_country, "mismatch_share": round(share, 3),
                                                  "request_countries": dict(top)})


def restricted_origin(st: AccountState, now: float, s: MonitorSettings) -> Signal | None:
    total = sum(st.restricted.values())
    if not total:
        return None
    return Signal("restricted_origin", _clamp(total / 5), {"requests_by_country": dict(sorted(st.restricted.items()))})


# -- new accounts ----------------------------------------------------------------------------------------


def new_account_burst(st: AccountState, now: float, s: MonitorSettings, watching_since: float) -> Signal | None:
    born = st.created_ts
    if born is None:
        # first seen counts as created only once the monitor has watched long enough to know
        if st.first_ts < watching_since + s.new_account_grace_s:
            return None
        born = st.first_ts
    if now - born > s.new_account_s or st.first_day < s.burst_requests:
        return None
    return Signal("new_account_burst", _clamp(st.first_day / (2 * s.burst_requests)),
                  {"first_day_requests": st.first_day, "account_age_s": round(now - born), "burst_requests":
                   s.burst_requests})


def coordinated_cluster(cluster: ClusterFinding, s: MonitorSettings) -> Signal:
    size = len(cluster.members)
    # linked accounts alone are not abuse (one popular tool's template, created in the same week): the
    # members' traffic has to look like extraction too
    value = _clamp(size / (s.cluster_min_size + 3)) * _clamp((cluster.shape - 0.25) / 0.5)
    shown = sorted(cluster.members)[:20]
    return Signal("coordinated_cluster", value, {
        "cluster": cluster.cluster_id, "size": size, "members": shown, "links": cluster.links,
        "cluster_requests": cluster.requests, "mean_extraction_shape": round(cluster.shape, 3)})


AccountSignal = Callable[[AccountState, float, MonitorSettings], Signal | None]
ACCOUNT_SIGNALS: tuple[AccountSignal, ...] = (
    volume_near_limit, templated_share, topic_sweep, long_answers, cot_elicitation, flagged_share,
    rephrase_probing, key_countries, impossible_travel, network_rotation, kyc_country_mismatch, restricted_origin,
)


def combine(signals: list[Signal], s: MonitorSettings) -> float:
    """Risk in [0, 1]: a noisy-OR of weighted abuse signals (S), amplified by the scale-only
    (context) signals. Context counts in proportion to the abuse evidence, reaching its cap once S
    reaches ``context_full_at``: scale alone adds nothing, scale behind a real signal adds much."""
    keep_ctx, keep = 1.0, 1.0
    for sig in signals:
        w = s.weights.get(sig.name, 0.0) * sig.value
        if sig.name in CONTEXT_SIGNALS:
            keep_ctx *= 1 - w
        else:
            keep *= 1 - w
    abuse = 1 - keep
    context = min(1 - keep_ctx, s.context_cap) * _clamp(abuse / s.context_full_at)
    return 1 - keep * (1 - context)


def action_for(risk: float, s: MonitorSettings) -> str:
    a = s.actions
    if risk >= a.suspend:
        return "suspend"
    if risk >= a.throttle:
        return "throttle"
    if risk >= a.step_down:
        return "step_down"
    if risk >= a.review:
        return "review"
    return "none"
