"""The console's decision index, caught up from a real audit log on SQLite: bounded batches, twice is
harmless, and the indexed views agree with a scan of the leaves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bastion.audit.log import AuditLog
from bastion.audit.settings import AuditSettings
from bastion.console import decision_index, queries
from bastion.console.tables import console_decisions
from bastion.store.db import create_engine
from bastion.store.migrate import upgrade_async


def record(i: int, now: datetime) -> dict[str, Any]:
    if i % 10 == 9:  # not a decision: skipped by the index
        return {"kind": "admin", "action": "org.suspended", "time": now.isoformat(), "actor": "t"}
    deny = i % 3 == 0
    return {"kind": "decision", "phase": "decision" if deny else ("intent" if i % 2 else "close"),
            "time": (now - timedelta(minutes=i % 90)).isoformat().replace("+00:00", "Z"),
            "request_id": f"req-{i}", "org_id": f"org_{i % 4}", "model": "m", "stage": "s",
            "decision": "deny" if deny else "allow", "reason": ("rate_limited" if i % 2 else "org_suspended")
            if deny else None, "status": 403 if deny else 200}


def test_catch_up_and_views(tmp_path: Path) -> None:
    from bastion.audit.keys import write_new_key

    async def go() -> None:
        url = f"sqlite+aiosqlite:///{tmp_path}/idx.db"
        await upgrade_async(url)
        engine = create_engine(url)
        settings = AuditSettings(signing_key_file=str(tmp_path / "k"))
        log = await AuditLog(engine, write_new_key(tmp_path / "k", settings.origin), settings).open()
        now = datetime.now(UTC)
        try:
            await asyncio.gather(*(log.append(record(i, now)) for i in range(1200)))
        finally:
            await log.close()
        try:
            assert await decision_index.catch_up(engine, 500) == 700  # bounded: 700 leaves still behind
            assert await decision_index.catch_up(engine, 500) == 200
            await decision_index.catch_up_all(engine, 500)
            assert await decision_index.catch_up(engine, 500) == 0
            async with engine.connect() as conn:
                assert await conn.scalar(select(func.count()).select_from(console_decisions)) == 1080
            scanned = await queries.recent_records(engine, 10_000)
            want = queries.overview(scanned)
            got = await decision_index.overview(engine, 24 * 3600)
            for key in ("bucket", "buckets", "outcomes", "series", "total"):
                assert got[key] == want[key], key
            assert sorted(got["reasons"]) == sorted(want["reasons"])
            for args in ({"org_id": "org_1"}, {"reason": "rate_limited"},
                         {"org_id": "org_0", "reason": "org_suspended"}, {"reason": "_"}, {"reason": "limit"},
                         ):
                old = await queries.decisions(engine, 10_000, limit=100, **args)  # type: ignore[arg-type]
                new = await decision_index.search(engine, limit=100, **args)  # type: ignore[arg-type]
                assert [r["index"] for r in new] == [r["index"] for r in old] and new, args
                assert new[0]["time"].endswith("Z") and new[0]["org_id"] == old[0]["org_id"]
            assert await decision_index.search(engine, reason="no such reason") == []
            # A time range alone comes newest first by time (these records' times are not in leaf order).
            since, until = now - timedelta(minutes=30), now - timedelta(minutes=10)
            in_range = await queries.decisions(engine, 10_000, limit=10_000, since=since, until=until)
            got_rows = await decision_index.search(engine, limit=100, since=since, until=until)
            times = [datetime.fromisoformat(r["time"].replace("Z", "+00:00")) for r in got_rows]
            assert len(got_rows) == min(100, len(in_range)) and times == sorted(times, reverse=True)
            assert all(since <= t < until for t in times) and times[0] > until - timedelta(minutes=1, seconds=1)
            assert await decision_index.reason_codes(engine) == ["org_suspended", "rate_limited"]
        finally:
            await engine.dispose()

    asyncio.run(go())
