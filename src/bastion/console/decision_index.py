"""A derived index of the audit log's decision records, for the console's decision views.

The audit log stays the only record: its leaves are untouched and its write path is unchanged. This
table copies the few fields the pages filter and chart on (org, time, outcome, reason), keyed by the
leaf's index, so a page reads an indexed range instead of parsing the newest leaves. It is filled by
catching up from the last indexed leaf (``catch_up``), a bounded batch on each page view, so it can be
rebuilt at any time from the log (drop the rows, reset the cursor). Two processes catching up at once
insert the same rows; the primary key keeps one.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bastion.audit.tables import audit_entries
from bastion.console.queries import chart_bucket, record_time
from bastion.console.tables import console_decision_minutes, console_decisions, console_index_state

CURSOR = "decisions"


def row_of(idx: int, rec: dict[str, Any]) -> dict[str, Any] | None:
    """The index row of one leaf, or None when it is not a decision record (or has no usable time)."""
    if rec.get("kind") != "decision":
        return None
    at = record_time(rec)
    if at is None:
        return None

    def text(key: str, n: int) -> str | None:
        v = rec.get(key)
        return None if v is None else str(v)[:n]

    status = rec.get("status")
    return {"idx": idx, "ts": at.timestamp(), "org_id": text("org_id", 40), "request_id": text("request_id", 64),
            "model": text("model", 200), "decision": text("decision", 16) or "unknown", "stage": text("stage", 64),
            "reason": text("reason", 200), "status": status if isinstance(status, int) else None,
            "phase": text("phase", 16), "counted": rec.get("phase") in (None, "decision", "intent")}


async def _cursor(conn: AsyncConnection) -> int:
    upto = await conn.scalar(select(console_index_state.c.upto).where(console_index_state.c.name == CURSOR))
    if upto is None:
        await conn.execute(_insert_ignore(conn, console_index_state), [{"name": CURSOR, "upto": 0}])
        return 0
    return int(upto)


def _insert_ignore(conn: AsyncConnection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


async def catch_up(engine: AsyncEngine, max_entries: int) -> int:
    """Index up to ``max_entries`` leaves after the cursor; returns how many leaves are still behind."""
    async with engine.begin() as conn:
        upto = await _cursor(conn)
        got = (await conn.execute(select(audit_entries.c.idx, audit_entries.c.leaf)
                                  .where(audit_entries.c.idx >= upto).order_by(audit_entries.c.idx)
                                  .limit(max_entries))).all()
        rows = []
        nxt = upto
        for idx, leaf in got:
            if int(idx) != nxt:  # a gap: a batch not yet committed below it; read it next time
                break
            nxt += 1
            try:
                row = row_of(int(idx), orjson.loads(leaf))
            except orjson.JSONDecodeError:  # a damaged leaf is the verifier's business
                continue
            if row is not None:
                rows.append(row)
        if nxt > upto:
            # Claim the range first: a process that lost the race to another one changes nothing
            # (the per-minute counts must not count a leaf twice).
            claimed = await conn.execute(update(console_index_state).where(
                (console_index_state.c.name == CURSOR) & (console_index_state.c.upto == upto)).values(upto=nxt))
            if claimed.rowcount != 1:
                await conn.rollback()
                return await catch_up(engine, max_entries)
        if rows:
            await conn.execute(_insert_ignore(conn, console_decisions), rows)
            await _add_minutes(conn, rows)
        size = await conn.scalar(select(audit_entries.c.idx).order_by(audit_entries.c.idx.desc()).limit(1))
    return 0 if size is None else max(0, int(size) + 1 - nxt)


async def _add_minutes(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    counts: Counter[tuple[int, str, str]] = Counter(
        (int(r["ts"] // 60), r["decision"], r["reason"] or "") for r in rows if r["counted"])
    if not counts:
        return
    m = console_decision_minutes
    ins = (postgresql.insert(m) if conn.dialect.name == "postgresql" else sqlite.insert(m)).values([
        {"minute": k[0], "decision": k[1], "reason": k[2], "n": n} for k, n in counts.items()])
    await conn.execute(ins.on_conflict_do_update(index_elements=[m.c.minute, m.c.decision, m.c.reason],
                                                 set_={"n": m.c.n + ins.excluded.n}))


async def catch_up_all(engine: AsyncEngine, batch: int = 20_000) -> None:
    while await catch_up(engine, batch):
        pass


FIELDS = ("time", "request_id", "org_id", "model", "decision", "stage", "reason", "status", "phase")


async def search(engine: AsyncEngine, org_id: str | None = None, reason: str | None = None, limit: int = 100,
                 since: datetime | None = None, until: datetime | None = None) -> list[dict[str, Any]]:
    """Indexed decisions, newest first, of ``org_id``, whose reason contains ``reason``, made in
    [``since``, ``until``) (aware datetimes)."""
    d = console_decisions.c
    where = []
    if org_id:
        where.append(d.org_id == org_id)
    if reason:
        # Reasons are a few codes: find those containing the text, then read them by the index.
        codes = [c for c in await reason_codes(engine) if reason in c]
        if not codes:
            return []
        where.append(d.reason.in_(codes))
    if since is not None:
        where.append(d.ts >= since.timestamp())
    if until is not None:
        where.append(d.ts < until.timestamp())
    # A time range alone is read along the time index (newest first); with an org or a reason, along
    # that index (the leaf order is the time order, give or take a batch).
    order = [d.ts.desc(), d.idx.desc()] if (since or until) and not (org_id or reason) else [d.idx.desc()]
    q = select(console_decisions).where(*where).order_by(*order).limit(limit)
    async with engine.connect() as conn:
        rows = (await conn.execute(q)).mappings().all()
    out = []
    for r in rows:
        row = {k: r[k] for k in FIELDS if k != "time"}
        out.append({"index": int(r["idx"]),
                    "time": datetime.fromtimestamp(r["ts"], UTC).isoformat().replace("+00:00", "Z"), **row})
    return out


async def reason_codes(engine: AsyncEngine, most: int = 500) -> list[str]:
    """The distinct reasons, by skipping along the reason index (one short lookup per code, where a
    DISTINCT would read every row)."""
    d = console_decisions.c
    codes: list[str] = []
    async with engine.connect() as conn:
        last = await conn.scalar(select(d.reason).where(d.reason.is_not(None)).order_by(d.reason).limit(1))
        while last is not None and len(codes) < most:
            codes.append(str(last))
            last = await conn.scalar(select(d.reason).where(d.reason > last).order_by(d.reason).limit(1))
    return codes


async def overview(engine: AsyncEngine, window_s: int, now: float | None = None) -> dict[str, Any]:
    """Counts per time bucket and outcome, and the top denial reasons, over the last ``window_s``
    seconds, from the per-minute counts: at most one row per minute, outcome and reason, whatever
    the size of the log."""
    m = console_decision_minutes.c
    hi_bound = time.time() if now is None else now
    in_window = [m.minute >= int((hi_bound - window_s) // 60), m.minute <= int(hi_bound // 60)]
    async with engine.connect() as conn:
        lo_m, hi_m, total = (await conn.execute(select(func.min(m.minute), func.max(m.minute), func.sum(m.n))
                                                .where(*in_window))).one()
        if not total:
            return {"bucket": "minute", "buckets": [], "outcomes": [], "series": {}, "reasons": [], "total": 0,
                    "window_s": window_s}
        lo, hi = int(lo_m) * 60, int(hi_m) * 60
        width, unit = chart_bucket(hi - lo)
        start = lo // width * width
        counts = (await conn.execute(select(m.minute, m.decision, func.sum(m.n)).where(*in_window)
                                     .group_by(m.minute, m.decision))).all()
        reasons = (await conn.execute(select(m.reason, func.sum(m.n).label("n")).where(*in_window, m.decision == "deny")
                                      .group_by(m.reason).order_by(func.sum(m.n).desc(), m.reason).limit(10))).all()
    n = (hi - start) // width + 1
    outcomes = sorted({str(o) for _, o, _ in counts})
    series = {o: [0] * n for o in outcomes}
    for minute, outcome, c in counts:
        series[str(outcome)][(int(minute) * 60 - start) // width] += int(c)
    labels = [datetime.fromtimestamp(start + i * width, UTC).strftime("%H:%M" if width < 86400 else "%m-%d")
              for i in range(n)]
    return {"bucket": unit, "buckets": labels, "outcomes": outcomes, "series": series,
            "reasons": [(str(r or "-"), int(c)) for r, c in reasons], "total": int(total), "window_s": window_s}
