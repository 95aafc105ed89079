"""From verdicts to consequences: review cases, and the account gate's flags, every step audited.

A verdict at or over ``[monitor] case_at`` opens (or escalates) the org's review case. Its action
then reaches the account through the same store the admin API writes, so the gateway's account gate
and rate limiter see it on the org's next request (their caches hold an org for at most 2 s):

* ``review``: the case only;
* ``step_down``: the org's verification tier goes down by one;
* ``throttle``: the org's requests-per-minute limit is cut to ``throttle_rpm`` (never raised);
* ``suspend``: the org's status becomes ``suspended`` (the account gate refuses it).

``apply_actions = false`` opens cases without touching accounts (a monitor in shadow mode).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bastion.monitor.cases import RANK, CaseStore
from bastion.monitor.engine import MonitorEngine
from bastion.monitor.events import MonitorEvent
from bastion.monitor.metrics import CASES
from bastion.monitor.settings import MonitorSettings
from bastion.monitor.signals import Assessment
from bastion.store.accounts import AccountError, AccountStore

log = logging.getLogger("bastion.monitor")
Recorder = Callable[[str, str, dict[str, Any]], Awaitable[None]]
ACTOR = "monitor"


def _evidence(a: Assessment) -> list[dict[str, Any]]:
    return [s.as_json() for s in a.signals if s.value > 0]


class Actioner:
    def __init__(self, settings: MonitorSettings, cases: CaseStore, accounts: AccountStore | None,
                 record_admin: Recorder, actor: str = ACTOR) -> None:
        self.settings = settings
        self.cases = cases
        self.accounts = accounts
        self.record_admin = record_admin
        self.actor = actor

    async def handle(self, a: Assessment) -> dict[str, Any] | None:
        """Open/escalate the case for a verdict and apply its action; the case, or None if nothing changed."""
        if RANK[a.action] < RANK[self.settings.case_at]:
            return None
        opened = await self.cases.record(a)
        if opened is None:
            return None
        case = opened.case
        details = {"org_id": a.org, "case_id": case["id"], "action": a.action, "risk": round(a.risk, 4),
                   "requests": a.requests, "signals": _evidence(a)}
        if opened.new:
            await self.record_admin("monitor.case_opened", self.actor, details)
        else:
            await self.record_admin("monitor.case_escalated", self.actor, {**details, "from": opened.escalated_from})
        if a.action != "review" and self.settings.apply_actions:
            result = await self._apply(a.org, a.action)
            await self.cases.note_applied(case["id"], a.action, result)
            await self.record_admin(f"monitor.{a.action}", self.actor,
                                    {"org_id": a.org, "case_id": case["id"], "result": result,
                                     "risk": round(a.risk, 4)})
        CASES.labels(a.action).inc()
        return case

    async def _apply(self, org: str, action: str) -> str:
        if self.accounts is None:
            return "no account store"
        try:
            current = await self.accounts.get_org(org)
            if action == "suspend":
                if current["status"] == "suspended":
                    return "already suspended"
                await self.accounts.set_org_status(org, "suspended")
                return "suspended"
            if action == "throttle":
                rpm = self.settings.throttle_rpm
                if current.get("rpm_limit") is not None and current["rpm_limit"] <= rpm:
                    return f"rpm_limit already {current['rpm_limit']}"
                await self.accounts.update_org(org, rpm_limit=rpm)
                return f"rpm_limit {rpm}"
            if action == "step_down":
                tier = int(current.get("tier") or 0)
                if tier == 0:
                    return "already tier 0"
                await self.accounts.update_org(org, tier=tier - 1)
                return f"tier {tier} -> {tier - 1}"
        except AccountError as exc:
            return f"not applied: {exc}"
        return "none"


class EngineFeed:
    """The engine plus the actioner: feed events, act on each account whose verdict escalated.

    The dedup of actions lives in the case table (an open case at the same or a stronger action
    changes nothing), so a restarted monitor does not act twice on what it already acted on."""

    def __init__(self, engine: MonitorEngine, actioner: Actioner) -> None:
        self.engine = engine
        self.actioner = actioner
        self._acted: dict[str, int] = {}

    async def feed(self, events: Sequence[MonitorEvent]) -> list[dict[str, Any]]:
        changed: set[str] = set()
        for ev in events:
            self.engine.observe(ev)
            changed.add(ev.org)
        # A cluster sweep may have raised accounts that sent nothing in this batch.
        for org in list(self._acted_candidates(changed)):
            changed.add(org)
        cases: list[dict[str, Any]] = []
        for org in sorted(changed):
            st = self.engine.account(org)
            if st is None or st.peak is None:
                continue
            rank = RANK[st.peak.action]
            if rank > self._acted.get(org, 0):
                try:
                    case = await self.actioner.handle(st.peak)
                except Exception:
                    log.exception("monitor: could not act on a verdict")
                    continue  # retried on the account's next batch
                self._acted[org] = rank
                if case is not None:
                    cases.append(case)
        return cases

    def _acted_candidates(self, changed: set[str]) -> list[str]:
        return [org for org in self.engine.clustered() if org not in changed]

    async def publish(self, events: Sequence[MonitorEvent]) -> None:  # the emitter's Sink
        await self.feed(events)

    async def close(self) -> None:
        return None
