"""Console page server times at scale: 10,000 orgs, N audit entries (default 1,000,000), 1,000 open hits.

Seeds a SQLite database: orgs by bulk insert, audit entries through the audit log's own leaf and
Merkle code and its batch writer (so the log is a real one: hashes, subtree nodes, a signed
checkpoint), 1,000 open screening hits. Then the console's decision index is caught up once (timed:
the one-off cost of turning the console on over an existing log), the gateway is served on loopback
in this process, an auditor and an admin sign in, and each page is fetched ``--repeat`` times by an
httpx client; the figure per page is the wall time of the request on loopback (an upper bound on the
server time). Prints one JSON object: per-page p50/p99 ms and ``targets`` (every page p99 <= 300 ms).

    python bench/console.py            # 1,000,000 audit entries
    python bench/console.py --quick    # 20,000 audit entries, fewer repeats
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, percentile, target

PASSWORD = "bench console password"
COUNTRIES = ("GB", "FR", "DE", "US", "NL", "JP", "CA", "IE", "SE", "ES")
REASONS = ("org_suspended", "rate_limited_key_requests", "tier_too_low", "country_restricted", "guard_cyber")
LISTS = ("demo-sdn", "demo-eu", "demo-un", "demo-uk")
SPAN_S = 7 * 86400  # audit entries spread over the last week


def settings_for(workdir: Path) -> Any:
    from bastion.config import Settings

    return Settings.model_validate({
        "server": {"server_secret": secrets.token_hex(32), "admin_token": secrets.token_hex(16), "replica_id": "bench"},
        "store": {"url": f"sqlite+aiosqlite:///{workdir / 'console.db'}"},
        "audit": {"signing_key_file": str(workdir / "audit.key")},
        "console": {"secure_cookies": False},  # plain-HTTP loopback client
        "models": {"m": {"upstreams": [{"base_url": "http://127.0.0.1:9/v1"}], "tier": "standard"}},
    })


def record(i: int, n: int, now: float, rnd: random.Random, org_ids: list[str]) -> dict[str, Any]:
    at = datetime.fromtimestamp(now - SPAN_S * (n - i) / n, UTC).isoformat().replace("+00:00", "Z")
    if i % 20 == 19:
        return {"kind": "admin", "action": "org.active", "time": at, "actor": "bench", "details": {}}
    org = org_ids[rnd.randrange(len(org_ids))]
    deny = rnd.random() < 0.15
    return {"v": 1, "kind": "decision", "phase": "decision" if deny else rnd.choice(("intent", "close")),
            "time": at, "request_id": f"req_{i:08x}", "replica": "bench", "route": "/v1/chat/completions",
            "model": "m", "org_id": org, "key_id": "k", "user_id": None, "decision": "deny" if deny else "allow",
            "stage": "policy" if deny else None, "reason": rnd.choice(REASONS) if deny else None,
            "status": 403 if deny else 200, "country": "GB", "prompt_tokens": 12, "completion_tokens": 30}


async def seed(settings: Any, n_orgs: int, n_entries: int) -> dict[str, Any]:
    from sqlalchemy import insert

    from bastion.audit.keys import write_new_key
    from bastion.audit.log import AuditLog
    from bastion.console.people import People
    from bastion.diligence.kyc import KycStore
    from bastion.store.db import create_engine
    from bastion.store.migrate import upgrade_async
    from bastion.store.schema import orgs

    rnd = random.Random(7)
    await upgrade_async(settings.store.url)
    engine = create_engine(settings.store.url)
    now_dt = datetime.now(UTC)
    t0 = time.perf_counter()
    org_rows: list[dict[str, Any]] = [{"id": f"org_{i:06d}", "name": f"Bench Org {i:05d} Ltd", "status": rnd.choice(
        ("active", "active", "active", "pending", "suspended")), "tier": rnd.randrange(4),
        "country": rnd.choice(COUNTRIES), "programmes": [], "screening_state": "clear", "keep_content": False,
        "version": 1, "created_at": now_dt, "updated_at": now_dt} for i in range(n_orgs)]
    async with engine.begin() as conn:
        for k in range(0, n_orgs, 2000):
            await conn.execute(insert(orgs), org_rows[k:k + 2000])
    org_ids = [str(r["id"]) for r in org_rows]
    orgs_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    log = await AuditLog(engine, write_new_key(Path(settings.audit.signing_key_file), settings.audit.origin),
                         settings.audit).open(writer=False)
    now = time.time()
    batch = 10_000
    for start in range(0, n_entries, batch):
        records = [record(i, n_entries, now, rnd, org_ids) for i in range(start, min(n_entries, start + batch))]
        frontier = log.frontier.copy()
        rows, nodes = log._extend(frontier, records)  # the log's own leaf/Merkle code, written in bulk
        last = start + len(records) >= n_entries
        await log._store.commit(start, rows, nodes, log._note(frontier) if last else None)
        log.frontier, log._last_leaf = frontier, rows[-1][2]
    await log._store.close()
    await log.nodes.close()
    audit_s = time.perf_counter() - t0

    await KycStore(engine).add_hits([{
        "id": f"hit_{i:05d}", "org_id": org_ids[i * 7 % n_orgs], "subject": "org", "subject_name": f"Subject {i}",
        "list_id": LISTS[i % 4], "entity_id": f"E-{i}", "entry_name": f"ENTRY {i} LLC", "matched_name": f"Entry {i}",
        "score": round(0.7 + (i % 30) / 100, 2), "decision": "review", "explanation": "bench",
        "features": {"name": 0.8}, "status": "open", "lists_version": "bench",
        "created_at": now_dt - timedelta(seconds=1000 - i)} for i in range(1000)])
    people = People(engine, settings.console)
    await people.add("bench-auditor", "auditor", PASSWORD)
    await people.add("bench-admin", "admin", PASSWORD)

    from bastion.console import decision_index

    t0 = time.perf_counter()
    await decision_index.catch_up_all(engine, 20_000)
    index_s = time.perf_counter() - t0
    await engine.dispose()
    return {"orgs_s": round(orgs_s, 2), "audit_s": round(audit_s, 2), "index_build_s": round(index_s, 2),
            "org_ids": org_ids}


def sign_in(client: Any, name: str) -> None:
    import re

    form = client.get("/console/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf, "no CSRF field on the login page"
    r = client.post("/console/login", data={"csrf": csrf.group(1), "name": name, "password": PASSWORD})
    if r.status_code != 303:
        raise SystemExit(f"sign-in of {name} failed: HTTP {r.status_code}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20,000 audit entries and fewer repeats")
    ap.add_argument("--entries", type=int, default=None, help="audit entries (default 1,000,000; --quick 20,000)")
    ap.add_argument("--orgs", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=None, help="fetches per page (default 30; --quick 10)")
    args = ap.parse_args()
    n_entries = args.entries or (20_000 if args.quick else 1_000_000)
    repeat = args.repeat or (10 if args.quick else 30)

    import httpx

    from bastion.gateway.app import create_app
    from bastion.gateway.server import BackgroundServer

    workdir = Path(tempfile.mkdtemp(prefix="bastion-console-bench-"))
    try:
        settings = settings_for(workdir)
        seeded = asyncio.run(seed(settings, args.orgs, n_entries))
        org_ids = seeded.pop("org_ids")
        now = datetime.now(UTC)
        frm = (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")
        to = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
        pages = {
            "auditor": {
                "overview": "/console/", "orgs": "/console/orgs",
                "orgs_filtered": "/console/orgs?status=active&tier=2&country=GB",
                "orgs_page_100": "/console/orgs?page=100", "org": f"/console/orgs/{org_ids[4321 % len(org_ids)]}",
                "screening": "/console/screening", "screening_filtered":
                    "/console/screening?list=demo-eu&min_score=0.8&max_score=0.9&page=1",
                "screening_page_19": "/console/screening?page=19",
                "audit": "/console/audit", "audit_org": f"/console/audit?org={org_ids[1234 % len(org_ids)]}",
                "audit_reason": "/console/audit?reason=tier_too_low",
                "audit_time": f"/console/audit?from={frm}&to={to}",
                "audit_all_filters": f"/console/audit?org={org_ids[99 % len(org_ids)]}&reason=guard_cyber&from={frm}",
                "monitor": "/console/monitor", "policy": "/console/policy", "reports": "/console/reports"},
            "admin": {"users": "/console/users"},
        }
        results: dict[str, Any] = {}
        with BackgroundServer(create_app(settings)) as url:
            for role, paths in pages.items():
                with httpx.Client(base_url=url, timeout=60) as client:
                    sign_in(client, f"bench-{role}")
                    for name, path in paths.items():
                        first = client.get(path)
                        if first.status_code in (403, 404):  # a page this build or role does not have
                            results[name] = {"path": path, "skipped": f"HTTP {first.status_code}"}
                            continue
                        if first.status_code != 200:
                            raise SystemExit(f"{path}: HTTP {first.status_code}")
                        times = []
                        for _ in range(repeat):
                            t = time.perf_counter()
                            r = client.get(path)
                            times.append((time.perf_counter() - t) * 1000)
                            assert r.status_code == 200, (path, r.status_code)
                        times.sort()
                        results[name] = {"path": path, "role": role, "p50_ms": round(percentile(times, 50), 2),
                                         "p99_ms": round(percentile(times, 99), 2), "n": repeat}
        timed = {k: v for k, v in results.items() if "p99_ms" in v}
        worst = max(timed.values(), key=lambda v: v["p99_ms"])
        emit({
            "bench": "console", "quick": args.quick, "orgs": args.orgs, "audit_entries": n_entries,
            "open_hits": 1000, "repeat": repeat, "seed": seeded,
            "method": "SQLite file; gateway served by uvicorn on loopback in this process; httpx client; "
                      "wall time per request (upper bound on server time)",
            "pages": results,
            "targets": [target("console_page_p99_ms_max", worst["p99_ms"], "<=", 300.0, page=worst["path"],
                               entries=n_entries, orgs=args.orgs),
                        *(target(f"page_{k}_p99_ms", v["p99_ms"], "<=", 300.0) for k, v in timed.items())],
        })
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
