"""Per-account state: what the monitor remembers of an account's recent traffic, in bounded memory.

Every structure here has a fixed bound (a ring of recent requests, a few template clusters, a few
dozen keys and networks), so an account costs the same whether it sent a hundred requests or a
hundred million. Updating is O(1) per event apart from a scan of at most ``max_templates`` and 32
refused fingerprints; signals read this state later (signals.py).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from bastion.monitor.events import DENY, FLAG, MonitorEvent
from bastion.monitor.fingerprint import TOPICS
from bastion.monitor.geo import distance_km
from bastion.monitor.settings import MonitorSettings

if TYPE_CHECKING:
    from bastion.monitor.signals import Assessment

# Bits of one request's mark in the recent-request ring.
TEMPLATED, COT, LONG, FLAGGED, REFUSED = 1, 2, 4, 8, 16
_BITS = (TEMPLATED, COT, LONG, FLAGGED, REFUSED)
_TOPIC_INDEX = {t: i for i, t in enumerate(TOPICS)}
_NETWORKS_KEPT = 64
_REFUSED_KEPT = 32
_HOURS_KEPT = 48
_K = TypeVar("_K")


def network_prefix(ip: str) -> str:
    """The /24 of an IPv4 address or the /48 of an IPv6 one: the unit a proxy pool rotates through."""
    if ":" in ip:
        return ":".join(ip.split(":")[:3]) + "::/48"
    head, _, _ = ip.rpartition(".")
    return (head or ip) + ".0/24"


@dataclass(slots=True)
class TemplateCluster:
    """Requests whose masked templates are within ``template_distance`` bits of each other."""

    template: int
    frame: int
    last_simhash: int
    count: int = 1
    varied: int = 0  # members whose slots differed from the previous member's
    first_ts: float = 0.0


@dataclass(slots=True)
class KeyState:
    # (ts, country, network, prefix); the network is the ASN, or the prefix where no ASN is known
    seen: deque[tuple[float, str | None, int | str, str]]
    jumps: deque[tuple[float, str, str, int | str]] = field(default_factory=lambda: deque(maxlen=64))
    last_country: str | None = None
    last_ts: float = 0.0
    last_seen: float = 0.0


@dataclass(slots=True)
class RefusedPrompt:
    ts: float
    simhash: int
    chain: int = 0  # 1: part of a chain of refused rephrasings; -1: its probe got through (counted)


@dataclass(slots=True)
class AccountState:
    org: str
    first_ts: float
    window: int
    last_ts: float = 0.0
    n: int = 0
    created_ts: float | None = None  # when the producer knows the account's creation time
    # recent-request ring: (mark bits, topic index, prompt tokens, completion tokens)
    marks: deque[tuple[int, int, int, int]] = field(init=False)
    sums: list[int] = field(default_factory=lambda: [0] * len(_BITS))
    fingerprinted: int = 0
    cot_prompt_tokens: int = 0
    cot_completion_tokens: int = 0
    templated_topics: list[int] = field(default_factory=lambda: [0] * len(TOPICS))
    hours: deque[list[int]] = field(default_factory=lambda: deque(maxlen=_HOURS_KEPT))
    first_day: int = 0
    templates: list[TemplateCluster] = field(default_factory=list)  # seen at least twice
    _fresh: deque[TemplateCluster] = field(default_factory=deque)  # seen once
    _frames: dict[int, TemplateCluster] = field(default_factory=dict)
    refused: deque[RefusedPrompt] = field(default_factory=lambda: deque(maxlen=_REFUSED_KEPT))
    refused_rephrased: int = 0
    probe_successes: int = 0
    closest_rephrase: int = 64
    keys: dict[str, KeyState] = field(default_factory=dict)
    prefixes: dict[str, float] = field(default_factory=dict)
    asns: dict[int, float] = field(default_factory=dict)
    kyc_country: str | None = None
    kyc_known: int = 0
    kyc_mismatch: int = 0
    mismatch_countries: dict[str, int] = field(default_factory=dict)
    restricted: dict[str, int] = field(default_factory=dict)
    since_assessed: int = 0
    peak: Assessment | None = None
    first_action_n: int | None = None
    first_action_ts: float | None = None

    def __post_init__(self) -> None:
        self.marks = deque(maxlen=self.window)

    # -- update ------------------------------------------------------------------------------------

    def update(self, ev: MonitorEvent, s: MonitorSettings) -> None:
        ts = ev.ts
        self.n += 1
        self.since_assessed += 1
        if ev.account_created is not None:
            self.created_ts = ev.account_created
        self.last_ts = max(self.last_ts, ts)
        if ts < self.first_ts + 86_400:
            self.first_day += 1
        hour = int(ts // 3600)
        hours = self.hours
        if hours and hours[-1][0] == hour:
            hours[-1][1] += 1
        elif not hours or hours[-1][0] < hour:
            hours.append([hour, 1])

        bits = 0
        topic = len(TOPICS) - 1
        fp = ev.fingerprint
        if fp is not None:
            self.fingerprinted += 1
            topic = _TOPIC_INDEX.get(fp.topic, topic)
            if self._templated(fp.template, fp.frame, fp.simhash, ts, s):
                bits |= TEMPLATED
            if fp.cot:
                bits |= COT
        pt, ct = ev.prompt_tokens, ev.completion_tokens
        if pt <= s.short_prompt_tokens and ct >= max(s.long_answer_min_tokens, s.long_answer_ratio * pt):
            bits |= LONG
        if ev.flagged or ev.decision == FLAG:
            bits |= FLAGGED
        if ev.decision == DENY:
            bits |= REFUSED
        if fp is not None:
            self._probing(fp.simhash, ts, bits & REFUSED != 0, s)
        self._push((bits, topic, pt, ct))
        self._network(ev, s)

    def _push(self, mark: tuple[int, int, int, int]) -> None:
        marks = self.marks
        if len(marks) == marks.maxlen:
            self._count(marks[0], -1)
        marks.append(mark)
        self._count(mark, 1)

    def _count(self, mark: tuple[int, int, int, int], sign: int) -> None:
        bits, topic, pt, ct = mark
        if not bits:
            return
        sums = self.sums
        for i, b in enumerate(_BITS):
            if bits & b:
                sums[i] += sign
        if bits & TEMPLATED:
            self.templated_topics[topic] += sign
        if bits & COT:
            self.cot_prompt_tokens += sign * pt
            self.cot_completion_tokens += sign * ct

    def _templated(self, template: int, frame: int, simhash: int, ts: float, s: MonitorSettings) -> bool:
        """Assign the request to a template cluster (same frame, or template SimHash within
        ``template_distance``); True when it repeats a known template with a different slot (a
        templated campaign), not when it is a plain resend."""
        c = self._frames.get(frame)
        if c is None:
            limit = s.template_distance
            for cand in self.templates:
                if (cand.template ^ template).bit_count() <= limit:
                    c = cand
                    break
            else:
                for cand in self._fresh:
                    if (cand.template ^ template).bit_count() <= limit:
                        c = cand
                        break
        if c is None:
            self._add_template(TemplateCluster(template, frame, simhash, first_ts=ts), s)
            return False
        varied = c.count >= 2 and (c.last_simhash ^ simhash).bit_count() >= s.slot_distance
        c.count += 1
        c.last_simhash = simhash
        if varied:
            c.varied += 1
        if c.count == 2:  # seen twice: an established template, no longer a one-off
            self._fresh.remove(c)
            if len(self.templates) >= s.max_templates:
                rarest = min(self.templates, key=lambda t: t.count)
                self.templates.remove(rarest)
                self._drop_template(rarest)
            self.templates.append(c)
        return varied

    def _add_template(self, c: TemplateCluster, s: MonitorSettings) -> None:
        # one-off templates (most free-form traffic) rotate through a small ring of their own
        if len(self._fresh) >= s.max_templates:
            self._drop_template(self._fresh.popleft())
        self._fresh.append(c)
        self._frames[c.frame] = c

    def _drop_template(self, c: TemplateCluster) -> None:
        if self._frames.get(c.frame) is c:
            del self._frames[c.frame]

    def _probing(self, simhash: int, ts: float, refused: bool, s: MonitorSettings) -> None:
        """Rephrasings of refused prompts: a refused near-duplicate of an earlier refusal makes both
        part of a chain; an allowed near-duplicate of a chained refusal is a probe that got through."""
        horizon = ts - s.rephrase_window_s
        limit = s.rephrase_distance
        closest = 65
        chained: RefusedPrompt | None = None
        near: list[RefusedPrompt] = []
        for r in self.refused:
            if r.ts >= horizon:
                d = (r.simhash ^ simhash).bit_count()
                if d <= limit:
                    near.append(r)
                    closest = min(closest, d)
                    if r.chain >= 1:
                        chained = r
        if refused:
            if near:
                self.refused_rephrased += 1
                self.closest_rephrase = min(self.closest_rephrase, closest)
                for r in near:
                    r.chain = max(r.chain, 1)
            self.refused.append(RefusedPrompt(ts, simhash, 1 if near else 0))
        elif chained is not None:
            self.probe_successes += 1
            self.closest_rephrase = min(self.closest_rephrase, closest)
            for r in near:
                r.chain = -1  # counted once: later allowed repeats of the same prompt are not new probes

    def _network(self, ev: MonitorEvent, s: MonitorSettings) -> None:
        ts = ev.ts
        prefix = network_prefix(ev.ip)
        ks = self.keys.get(ev.key)
        if ks is None:
            if len(self.keys) >= s.max_keys_per_account:
                del self.keys[min(self.keys, key=lambda k: self.keys[k].last_seen)]
            ks = self.keys[ev.key] = KeyState(seen=deque(maxlen=64))
        ks.last_seen = ts
        network: int | str = ev.asn if ev.asn is not None else prefix
        ks.seen.append((ts, ev.country, network, prefix))
        country = ev.country
        if country:
            last = ks.last_country
            if last is not None and last != country:
                km = distance_km(last, country)
                hours = max(ts - ks.last_ts, 1.0) / 3600
                if km is not None and km >= s.travel_min_km and km / hours > s.travel_kmh:
                    ks.jumps.append((ts, last, country, network))
            ks.last_country, ks.last_ts = country, ts
            if country in s.restricted_countries:
                self.restricted[country] = self.restricted.get(country, 0) + 1
            kyc = ev.kyc_country or self.kyc_country
            if kyc:
                self.kyc_country = kyc
                self.kyc_known += 1
                if country != kyc:
                    self.kyc_mismatch += 1
                    if country in self.mismatch_countries or len(self.mismatch_countries) < 32:
                        self.mismatch_countries[country] = self.mismatch_countries.get(country, 0) + 1
        _remember(self.prefixes, prefix, ts)
        if ev.asn is not None:
            _remember(self.asns, ev.asn, ts)

    # -- reading -----------------------------------------------------------------------------------

    def share(self, bit: int) -> float:
        return self.sums[_BITS.index(bit)] / len(self.marks) if self.marks else 0.0

    def count(self, bit: int) -> int:
        return self.sums[_BITS.index(bit)]

    def dominant_template(self) -> TemplateCluster | None:
        return max(self.templates, key=lambda c: c.count) if self.templates else None


def _remember(seen: dict[_K, float], item: _K, ts: float) -> None:
    """Keep the most recently seen ``_NETWORKS_KEPT`` items (dicts keep insertion order)."""
    if item in seen:
        del seen[item]
    elif len(seen) >= _NETWORKS_KEPT:
        del seen[next(iter(seen))]
    seen[item] = ts
