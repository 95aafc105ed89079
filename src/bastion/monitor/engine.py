"""The monitor engine: events in, per-account state, signals, a risk score and an action out.

Pure: no clock, no I/O. Time is the events' own ``ts`` (so a replay of last month decides as the live
monitor would have), and the caller feeds events and reads verdicts. An account is re-assessed every
``assess_every`` of its requests and whenever a cluster search (every ``cluster_sweep_s`` of event
time) puts it in a cluster. Its verdict is the highest-risk assessment it reached: an action, once
taken, is not undone by the account going quiet afterwards.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from bastion.monitor.clusters import find_clusters
from bastion.monitor.events import MonitorEvent
from bastion.monitor.settings import MonitorSettings
from bastion.monitor.signals import (
    ACCOUNT_SIGNALS,
    Assessment,
    ClusterFinding,
    Signal,
    action_for,
    combine,
    coordinated_cluster,
    new_account_burst,
)
from bastion.monitor.state import AccountState


class MonitorEngine:
    def __init__(self, settings: MonitorSettings | None = None) -> None:
        self.settings = settings or MonitorSettings()
        self._accounts: OrderedDict[str, AccountState] = OrderedDict()
        self._clusters: dict[str, ClusterFinding] = {}
        # Verdicts of accounts dropped for memory that had reached an action (kept so none is lost).
        self._retired: dict[str, Assessment] = {}
        self.watching_since: float | None = None
        self._next_sweep = 0.0
        self._now = 0.0
        self.events = 0

    def observe(self, ev: MonitorEvent) -> None:
        s = self.settings
        self.events += 1
        if self.watching_since is None:
            self.watching_since = ev.ts
            self._next_sweep = ev.ts + s.cluster_sweep_s
        elif ev.ts >= self._next_sweep:
            self.sweep(ev.ts)
            self._next_sweep = ev.ts + s.cluster_sweep_s
        self._now = max(self._now, ev.ts)
        accounts = self._accounts
        st = accounts.get(ev.org)
        if st is None:
            if len(accounts) >= s.max_accounts:
                self._retire(accounts.popitem(last=False)[1])
            st = accounts[ev.org] = AccountState(ev.org, ev.ts, s.window_requests)
        else:
            accounts.move_to_end(ev.org)
        st.update(ev, s)
        if st.since_assessed >= s.assess_every:
            self.assess(st, ev.ts)

    def account(self, org: str) -> AccountState | None:
        return self._accounts.get(org)

    def clustered(self) -> list[str]:
        """Orgs in a cluster finding of the last sweep (a sweep re-assesses them all)."""
        return list(self._clusters)

    def signals(self, st: AccountState, now: float) -> list[Signal]:
        s = self.settings
        found = [sig for fn in ACCOUNT_SIGNALS if (sig := fn(st, now, s)) is not None]
        burst = new_account_burst(st, now, s, self.watching_since if self.watching_since is not None else now)
        if burst is not None:
            found.append(burst)
        cluster = self._clusters.get(st.org)
        if cluster is not None:
            sig = coordinated_cluster(cluster, s)
            if sig.value > 0:
                found.append(sig)
        return found

    def assess(self, st: AccountState, now: float) -> Assessment:
        st.since_assessed = 0
        found = self.signals(st, now)
        risk = combine(found, self.settings)
        a = Assessment(st.org, risk, action_for(risk, self.settings), tuple(found), now, st.n)
        if st.peak is None or risk >= st.peak.risk:  # ties: the latest, so evidence is current
            st.peak = a
        if a.action != "none" and st.first_action_n is None:
            st.first_action_n, st.first_action_ts = st.n, now
        return a

    def sweep(self, now: float) -> list[ClusterFinding]:
        """Search the account graph for clusters and re-assess every member of one."""
        findings = find_clusters(self._accounts.values(), self.settings)
        self._clusters = {m: f for f in findings for m in f.members}
        for f in findings:
            for org in f.members:
                st = self._accounts.get(org)
                if st is not None:
                    self.assess(st, now)
        return findings

    def finish(self) -> None:
        """End of input: one last cluster search and assessment of every account."""
        self.sweep(self._now)
        for st in self._accounts.values():
            self.assess(st, self._now)

    def verdicts(self) -> Iterator[Assessment]:
        """Each account's verdict: its highest-risk assessment (call finish() first)."""
        yield from self._retired.values()
        for st in self._accounts.values():
            yield st.peak if st.peak is not None else self.assess(st, self._now)

    def _retire(self, st: AccountState) -> None:
        if st.peak is not None and st.peak.action != "none":
            self._retired[st.org] = st.peak
