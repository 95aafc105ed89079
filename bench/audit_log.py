"""Audit log: durable appends/s (SQLite, PostgreSQL), per-request latency of the audit stage at
concurrency 64, inclusion-proof time, and whole-log verification time scaled to 1M entries.

Prints one JSON object with a ``targets`` list; exits 0 whether or not targets are met.
``--quick`` shrinks every measurement (for tests); ``--no-postgres`` skips PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, percentile, target

from bastion.audit.export import db_entries, db_notes
from bastion.audit.service import open_audit_log
from bastion.audit.verify import verify_stream
from bastion.config import Settings

PG_ADMIN = os.environ.get("BASTION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def record(i: int) -> dict[str, Any]:
    """A decision record of realistic size (~600 bytes)."""
    return {"v": 1, "kind": "decision", "phase": "decision", "time": "2026-11-24T10:00:00.000Z",
            "request_id": f"req_{i:024x}", "replica": "bench", "route": "chat.completions", "model": "m",
            "org_id": "org_0123456789abcdef", "key_id": "key_0123456789abcdef", "user_id": None,
            "decision": "allow", "stage": None, "reason": "ok", "status": 200, "country": "GB",
            "prompt_tokens": 42, "completion_tokens": 17, "prompt_sha256": "ab" * 32, "answer_sha256": "cd" * 32,
            "guard_input": {"cbrn_weapons": 0.01, "cyber_offense": 0.02}, "guard_flagged": []}


def settings_for(url: str, key_file: Path) -> Settings:
    return Settings.model_validate({"server": {"server_secret": secrets.token_hex(16)}, "store": {"url": url},
                                    "audit": {"signing_key_file": str(key_file), "checkpoint_every": 10_000}})


async def appends_per_second(url: str, key_file: Path, n: int, concurrency: int) -> dict[str, Any]:
    log = await open_audit_log(settings_for(url, key_file))
    lat: list[float] = []
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            t = time.perf_counter()
            await log.append(record(i))
            lat.append(time.perf_counter() - t)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    await log.close()
    proof_times = []
    size = log.size
    for i in range(0, size, max(1, size // 500)):
        t = time.perf_counter()
        await log.inclusion_proof(i, size)
        proof_times.append(time.perf_counter() - t)
    await log.engine.dispose()
    lat.sort()
    proof_times.sort()
    return {"appends": n, "concurrency": concurrency, "seconds": round(elapsed, 3),
            "appends_per_s": round(n / elapsed), "latency_p50_ms": round(percentile(lat, 50) * 1e3, 3),
            "latency_p99_ms": round(percentile(lat, 99) * 1e3, 3),
            "proof_p50_ms": round(percentile(proof_times, 50) * 1e3, 4),
            "proof_p99_ms": round(percentile(proof_times, 99) * 1e3, 4), "tree_size": size}


async def verify_time(url: str, key_file: Path) -> dict[str, Any]:
    log = await open_audit_log(settings_for(url, key_file), writer=False)
    t = time.perf_counter()
    result = await verify_stream(db_entries(log.engine), await db_notes(log.engine), [log.signer.verifier],
                                 log.origin)
    elapsed = time.perf_counter() - t
    await log.engine.dispose()
    return {"entries": result.size, "ok": result.ok, "seconds": round(elapsed, 3),
            "seconds_per_1m": round(elapsed * 1_000_000 / max(result.size, 1), 2)}


async def pg_database() -> tuple[str, str]:
    import asyncpg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name, name


async def drop_pg(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


async def main(quick: bool, postgres: bool) -> dict[str, Any]:
    n = 3_000 if quick else 200_000
    tmp = Path(tempfile.mkdtemp(prefix="bastion-bench-audit-"))
    sqlite_url = f"sqlite+aiosqlite:///{tmp / 'audit.db'}"
    out: dict[str, Any] = {"bench": "audit_log", "machine": f"{os.cpu_count()} cores", "quick": quick}
    out["sqlite"] = await appends_per_second(sqlite_url, tmp / "k1", n, 256)
    out["sqlite_c64"] = await appends_per_second(f"sqlite+aiosqlite:///{tmp / 'c64.db'}", tmp / "k2",
                                                 n // 4, 64)
    out["verify"] = await verify_time(sqlite_url, tmp / "k1")
    if postgres:
        url, name = await pg_database()
        try:
            out["postgresql"] = await appends_per_second(url, tmp / "k3", n // 2, 256)
        finally:
            await drop_pg(name)
    out["peers"] = {
        "note": ("No numeric Trillian or Tessera write figure was found in the reference material available "
                 "to this project; Tessera's README promises write throughput 'broadly similar' to Trillian v1. "
                 "Compare on the same machine before claiming anything."),
    }
    pg = out.get("postgresql", {})
    out["targets"] = [
        target("sqlite_appends_per_s", out["sqlite"]["appends_per_s"], ">=", 20_000),
        target("postgresql_appends_per_s", pg.get("appends_per_s"), ">=", 10_000),
        target("audit_stage_added_p50_ms_c64", out["sqlite_c64"]["latency_p50_ms"], "<=", 2.0),
        target("inclusion_proof_p50_ms", out["sqlite"]["proof_p50_ms"], "<=", 1.0),
        target("verify_seconds_per_1m_entries", out["verify"]["seconds_per_1m"], "<=", 20.0),
    ]
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    emit(asyncio.run(main(args.quick, not args.no_postgres)))
