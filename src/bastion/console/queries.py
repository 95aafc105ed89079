"""Read-side queries the pages need: orgs with filters and paging, and decisions from the audit log.

Decisions live only in the audit log (one JSON leaf each), so the decision views read the newest
``scan_entries`` leaves and filter them here; an index over decisions is future work (docs/console.md).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bastion.audit.tables import audit_entries
from bastion.diligence.tables import screening_hits
from bastion.store.schema import orgs

ORG_STATUSES = ("pending", "active", "suspended", "closed")
HIT_STATUSES = ("open", "true_match", "false_positive")


@dataclass(frozen=True, slots=True)
class OrgFilter:
    status: str | None = None
    tier: int | None = None
    country: str | None = None


async def list_orgs(engine: AsyncEngine, f: OrgFilter, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    """One page of orgs (by name) matching ``f``, and how many match in all."""
    where = []
    if f.status:
        where.append(orgs.c.status == f.status)
    if f.tier is not None:
        where.append(orgs.c.tier == f.tier)
    if f.country:
        where.append(orgs.c.country == f.country.upper())
    q = select(orgs.c.id, orgs.c.name, orgs.c.status, orgs.c.tier, orgs.c.country,
               orgs.c.screening_state).where(*where).order_by(orgs.c.name).limit(size).offset(page * size)
    async with engine.connect() as conn:
        rows = [dict(r) for r in (await conn.execute(q)).mappings()]
        total = (await conn.execute(select(func.count()).select_from(orgs).where(*where))).scalar_one()
    return rows, int(total)


@dataclass(frozen=True, slots=True)
class HitFilter:
    status: str = "open"
    list_id: str | None = None
    country: str | None = None  # the org's country
    min_score: float | None = None
    max_score: float | None = None


async def list_hits(engine: AsyncEngine, f: HitFilter, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    """One page of screening hits matching ``f`` (oldest first: the queue is worked in arrival order),
    with their org's name and country, and how many match in all. Filters combine (AND)."""
    h = screening_hits.c
    where = [h.status == f.status]
    if f.list_id:
        where.append(h.list_id == f.list_id)
    if f.country:
        where.append(orgs.c.country == f.country.upper())
    if f.min_score is not None:
        where.append(h.score >= f.min_score)
    if f.max_score is not None:
        where.append(h.score <= f.max_score)
    joined = screening_hits.join(orgs, orgs.c.id == h.org_id)
    q = (select(screening_hits, orgs.c.name.label("org_name"), orgs.c.country.label("org_country"))
         .select_from(joined).where(*where).order_by(h.created_at, h.id).limit(size).offset(page * size))
    async with engine.connect() as conn:
        rows = [dict(r) for r in (await conn.execute(q)).mappings()]
        total = (await conn.execute(select(func.count()).select_from(joined).where(*where))).scalar_one()
    return rows, int(total)


async def hit_lists(engine: AsyncEngine) -> list[str]:
    """The list ids that have hits, for the queue's list filter."""
    async with engine.connect() as conn:
        return [str(r[0]) for r in await conn.execute(
            select(screening_hits.c.list_id).distinct().order_by(screening_hits.c.list_id))]


async def count_hits(engine: AsyncEngine, status: str = "open") -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(screening_hits)
                                       .where(screening_hits.c.status == status))).scalar_one())


async def recent_records(engine: AsyncEngine, limit: int) -> list[tuple[int, dict[str, Any]]]:
    """The newest ``limit`` audit leaves, newest first, as (index, record)."""
    q = select(audit_entries.c.idx, audit_entries.c.leaf).order_by(audit_entries.c.idx.desc()).limit(limit)
    async with engine.connect() as conn:
        rows = (await conn.execute(q)).all()
    out = []
    for idx, leaf in rows:
        try:
            out.append((int(idx), orjson.loads(leaf)))
        except orjson.JSONDecodeError:  # a damaged leaf is the verifier's business, not a page's
            continue
    return out


async def decisions(engine: AsyncEngine, scan: int, org_id: str | None = None, reason: str | None = None,
                    limit: int = 100, since: datetime | None = None,
                    until: datetime | None = None) -> list[dict[str, Any]]:
    """Decision records, newest first, of ``org_id``, whose reason contains ``reason``, made in
    [``since``, ``until``) (aware datetimes)."""
    found = []
    for idx, rec in await recent_records(engine, scan):
        if rec.get("kind") != "decision":
            continue
        if org_id and rec.get("org_id") != org_id:
            continue
        if reason and reason not in str(rec.get("reason") or ""):
            continue
        if since is not None or until is not None:
            at = record_time(rec)
            if at is None or (since is not None and at < since) or (until is not None and at >= until):
                continue
        found.append({"index": idx, **{k: rec.get(k) for k in (
            "time", "request_id", "org_id", "model", "decision", "stage", "reason", "status", "phase")}})
        if len(found) >= limit:
            break
    return found


def record_time(rec: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(rec["time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


def parse_when(text: str) -> datetime | None:
    """An ISO 8601 time from a form (``datetime-local`` gives no zone: read as UTC); None when empty."""
    if not text:
        return None
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def chart_bucket(span_s: float) -> tuple[int, str]:
    """The overview chart's bar width for a time span: minutes, hours or days."""
    if span_s <= 2 * 3600:
        return 60, "minute"
    if span_s <= 7 * 86400:
        return 3600, "hour"
    return 86400, "day"


def overview(records: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """Decision counts per time bucket and outcome, and the top denial reasons, for the chart."""
    times: list[tuple[float, str, str]] = []
    for _, rec in records:
        # One record per request: a refusal's ``decision``, an allowed request's ``intent`` (its
        # ``close`` record repeats the outcome and is not counted again).
        if rec.get("kind") != "decision" or rec.get("phase") not in (None, "decision", "intent"):
            continue
        try:
            t = datetime.fromisoformat(str(rec["time"]).replace("Z", "+00:00")).timestamp()
        except (KeyError, ValueError):
            continue
        times.append((t, str(rec.get("decision") or "unknown"), str(rec.get("reason") or "-")))
    if not times:
        return {"bucket": "minute", "buckets": [], "outcomes": [], "series": {}, "reasons": [], "total": 0}
    lo, hi = min(t for t, _, _ in times), max(t for t, _, _ in times)
    width, unit = chart_bucket(hi - lo)
    start = int(lo // width) * width
    n = int((hi - start) // width) + 1
    outcomes = sorted({o for _, o, _ in times})
    series = {o: [0] * n for o in outcomes}
    denials: Counter[str] = Counter()
    for t, outcome, reason in times:
        series[outcome][int((t - start) // width)] += 1
        if outcome == "deny":
            denials[reason] += 1
    labels = [datetime.fromtimestamp(start + i * width, UTC).strftime("%H:%M" if width < 86400 else "%m-%d")
              for i in range(n)]
    return {"bucket": unit, "buckets": labels, "outcomes": outcomes, "series": series,
            "reasons": denials.most_common(10), "total": len(times)}
