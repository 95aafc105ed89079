"""Coordinated clusters: accounts linked into a graph, components found with union-find.

Two accounts are linked when their dominant masked templates are near-identical (or share a frame)
*and* something
independent corroborates it: a shared network (/24 or /48 prefix, or ASN) or creation (first sight)
within ``cluster_created_within_s``. Candidate pairs come from banding the 64-bit template into eight
8-bit bands: templates within 7 bits share at least one band exactly (pigeonhole), so only accounts
in the same band bucket (or with the same frame) are compared. Each connected component of at least ``cluster_min_size``
accounts is one finding, held by every member.
"""

from __future__ import annotations

from collections.abc import Iterable

from bastion.monitor.settings import MonitorSettings
from bastion.monitor.signals import ClusterFinding, extraction_shape
from bastion.monitor.state import AccountState

_BANDS = 8
_ANCHORS = 16  # leaders compared per bucket: bounds the work of a bucket full of unrelated accounts


class UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]  # path halving
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return True


def _link(a: AccountState, b: AccountState, s: MonitorSettings) -> str | None:
    """Why two accounts with near-identical templates are linked, or None when nothing corroborates."""
    if not a.prefixes.keys().isdisjoint(b.prefixes):
        return "shared_prefix"
    if not a.asns.keys().isdisjoint(b.asns):
        return "shared_asn"
    born_a = a.created_ts if a.created_ts is not None else a.first_ts
    born_b = b.created_ts if b.created_ts is not None else b.first_ts
    if abs(born_a - born_b) <= s.cluster_created_within_s:
        return "created_together"
    return None


def find_clusters(accounts: Iterable[AccountState], s: MonitorSettings) -> list[ClusterFinding]:
    nodes: list[tuple[AccountState, int, int]] = []
    for st in accounts:
        top = st.dominant_template()
        if top is not None and top.count >= 10 and top.count >= s.cluster_min_share * st.fingerprinted:
            nodes.append((st, top.template, top.frame))
    if len(nodes) < s.cluster_min_size:
        return []
    uf = UnionFind(len(nodes))
    links: dict[tuple[int, int], str] = {}
    buckets: dict[tuple[int, int], list[int]] = {}
    for i, (_, template, frame) in enumerate(nodes):
        buckets.setdefault((_BANDS, frame), []).append(i)
        for band in range(_BANDS):
            buckets.setdefault((band, (template >> (8 * band)) & 0xFF), []).append(i)
    for bucket in buckets.values():
        if len(bucket) < 2:
            continue
        anchors: list[int] = []
        for i in bucket:
            st_i, t_i, f_i = nodes[i]
            matched = False
            for j in anchors:
                st_j, t_j, f_j = nodes[j]
                if f_i == f_j or (t_i ^ t_j).bit_count() <= s.cluster_template_distance:
                    matched = True
                    why = _link(st_i, st_j, s)
                    if why is not None and uf.union(i, j):
                        links[(i, j)] = why
            if not matched and len(anchors) < _ANCHORS:
                anchors.append(i)
    components: dict[int, list[int]] = {}
    for i in range(len(nodes)):
        components.setdefault(uf.find(i), []).append(i)
    findings: list[ClusterFinding] = []
    for root, idx in components.items():
        if len(idx) < s.cluster_min_size:
            continue
        kinds: dict[str, int] = {}
        for (a, _), why in links.items():
            if uf.find(a) == root:
                kinds[why] = kinds.get(why, 0) + 1
        members = tuple(sorted(nodes[i][0].org for i in idx))
        shape = sum(extraction_shape(nodes[i][0], s) for i in idx) / len(idx)
        findings.append(ClusterFinding(cluster_id=f"cluster:{members[0]}", members=members, links=kinds,
                                       requests=sum(nodes[i][0].n for i in idx), shape=shape))
    return findings
