"""Audit log: fsync-durable appends/s (SQLite, PostgreSQL), per-request latency of the audit stage at
concurrency 64, inclusion-proof time (hashes read from the store), whole-log verification time
scaled to 1M entries, and the log's memory growth per appended entry.

Appends are fsync-durable: SQLite's log connection runs WAL + synchronous=FULL, PostgreSQL's log
transactions synchronous_commit=on (the report shows the settings in force and the server's
``fsync``). Many concurrent appenders (``--concurrency``) let group commit share each fsync.

Memory is measured in a fresh child process (RSS from /proc): open a SQLite log, warm up, then
append ``--memory-entries`` records, sampling RSS; the slope (bytes per entry, least squares) times
10 million is the 10M-entry growth, an extrapolation unless ``--memory-entries`` is 10 million.

Prints one JSON object with a ``targets`` list; exits 0 whether or not targets are met.
``--quick`` shrinks every measurement (for tests); ``--no-postgres`` skips PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import subprocess
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


TEN_MILLION = 10_000_000


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
    durability = await durability_settings(log)
    await log.close()
    proof_times = []
    size = log.size
    for i in range(0, size, max(1, size // 500)):  # cache cold for most: hashes come from the store
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
            "proof_p99_ms": round(percentile(proof_times, 99) * 1e3, 4), "tree_size": size,
            "durability": durability}


async def durability_settings(log: Any) -> dict[str, Any]:
    """What makes these appends durable, read back from the connections that wrote them."""
    from bastion.audit.writer import SqliteWriter

    store = log._store
    if isinstance(store, SqliteWriter):
        def pragmas() -> dict[str, Any]:
            conn = store._connection()
            level = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[conn.execute("PRAGMA synchronous").fetchone()[0]]
            return {"journal_mode": conn.execute("PRAGMA journal_mode").fetchone()[0], "synchronous": level}

        return await asyncio.get_running_loop().run_in_executor(store._pool, pragmas)
    async with log.engine.connect() as conn:
        fsync = (await conn.exec_driver_sql("SHOW fsync")).scalar()
        default = (await conn.exec_driver_sql("SHOW synchronous_commit")).scalar()
    return {"server_fsync": fsync, "server_default_synchronous_commit": default,
            "log_transactions_synchronous_commit": "on (SET LOCAL in every batch)"}


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def memory_child(entries: int, concurrency: int) -> dict[str, Any]:
    """Run in a fresh process: RSS before and while ``entries`` records are appended."""
    tmp = Path(tempfile.mkdtemp(prefix="bastion-bench-audit-mem-"))
    log = await open_audit_log(settings_for(f"sqlite+aiosqlite:///{tmp / 'mem.db'}", tmp / "k"))
    counter = itertools.count()

    async def worker(stop: int) -> None:
        for i in counter:
            await log.append(record(i))
            if i >= stop:
                return

    await asyncio.gather(*(worker(20_000) for _ in range(concurrency)))  # warm up: caches, pools, arenas
    start_rss, start_size = rss_bytes(), log.size
    samples: list[tuple[int, int]] = [(0, start_rss)]
    step = max(1, entries // 10)
    t = time.perf_counter()
    for k in range(1, 11):
        await asyncio.gather(*(worker(20_000 + k * step) for _ in range(concurrency)))
        samples.append((log.size - start_size, rss_bytes()))
    elapsed = time.perf_counter() - t
    await log.close()
    await log.engine.dispose()
    n = samples[-1][0]
    mean_x = sum(x for x, _ in samples) / len(samples)
    mean_y = sum(y for _, y in samples) / len(samples)
    slope = (sum((x - mean_x) * (y - mean_y) for x, y in samples)
             / max(sum((x - mean_x) ** 2 for x, _ in samples), 1))
    growth = samples[-1][1] - start_rss
    measured_10m = n >= TEN_MILLION
    return {"entries": n, "seconds": round(elapsed, 1), "rss_start_mb": round(start_rss / 2**20, 2),
            "rss_end_mb": round(samples[-1][1] / 2**20, 2), "growth_mb": round(growth / 2**20, 3),
            "bytes_per_entry_slope": round(slope, 3), "bytes_per_entry_end_to_end": round(growth / max(n, 1), 3),
            "samples_mb": [[x, round(y / 2**20, 2)] for x, y in samples],
            "growth_mb_at_10m": round((growth if measured_10m else slope * TEN_MILLION) / 2**20, 2),
            "growth_mb_at_10m_basis": ("measured" if measured_10m else
                                       f"EXTRAPOLATED: slope over {n} entries x 10,000,000")}


def run_memory_child(entries: int, concurrency: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--memory-child", str(entries), "--concurrency", str(concurrency)],
                         capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    result: dict[str, Any] = json.loads(out.stdout)
    return result


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


async def main(quick: bool, postgres: bool, concurrency: int, memory_entries: int) -> dict[str, Any]:
    n = 3_000 if quick else 200_000
    tmp = Path(tempfile.mkdtemp(prefix="bastion-bench-audit-"))
    sqlite_url = f"sqlite+aiosqlite:///{tmp / 'audit.db'}"
    out: dict[str, Any] = {"bench": "audit_log", "machine": f"{os.cpu_count()} cores", "quick": quick}
    out["sqlite"] = await appends_per_second(sqlite_url, tmp / "k1", n, concurrency)
    out["sqlite_c64"] = await appends_per_second(f"sqlite+aiosqlite:///{tmp / 'c64.db'}", tmp / "k2",
                                                 n // 4, 64)
    out["verify"] = await verify_time(sqlite_url, tmp / "k1")
    if postgres:
        url, name = await pg_database()
        try:
            out["postgresql"] = await appends_per_second(url, tmp / "k3", n // 2, concurrency)
        finally:
            await drop_pg(name)
    out["memory"] = run_memory_child(memory_entries, concurrency)
    out["peers"] = {
        "note": ("No numeric Trillian or Tessera write figure was found in the reference material available "
                 "to this project; Tessera's README promises write throughput 'broadly similar' to Trillian v1. "
                 "Compare on the same machine before claiming anything."),
    }
    pg = out.get("postgresql", {})
    mem = out["memory"]
    out["targets"] = [
        target("sqlite_appends_per_s", out["sqlite"]["appends_per_s"], ">=", 20_000),
        target("postgresql_appends_per_s", pg.get("appends_per_s"), ">=", 20_000),
        target("audit_stage_added_p50_ms_c64", out["sqlite_c64"]["latency_p50_ms"], "<=", 2.0),
        target("inclusion_proof_p50_ms", out["sqlite"]["proof_p50_ms"], "<=", 1.0),
        target("verify_seconds_per_1m_entries", out["verify"]["seconds_per_1m"], "<=", 20.0),
        target("memory_growth_mb_10m_entries", mem.get("growth_mb_at_10m"), "<=", 64.0,
               basis=mem.get("growth_mb_at_10m_basis", "not measured")),
    ]
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--concurrency", type=int, default=1024,
                    help="concurrent appenders: group commit shares one fsync among the waiting ones")
    ap.add_argument("--memory-entries", type=int, default=None,
                    help="entries appended while memory is sampled (default 500,000; 20,000 with --quick)")
    ap.add_argument("--memory-child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child is not None:
        emit(asyncio.run(memory_child(args.memory_child, args.concurrency)))
    else:
        entries = args.memory_entries or (20_000 if args.quick else 500_000)
        emit(asyncio.run(main(args.quick, not args.no_postgres, args.concurrency, entries)))
