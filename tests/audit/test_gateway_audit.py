"""The gateway writes one durable record per decision, before releasing the response."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import select

from bastion.audit.tables import audit_entries
from bastion.store.db import create_engine
from tests.helpers import Running, running_gateway

ROOT = Path(__file__).resolve().parents[2]


def records(db_url: str) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        engine = create_engine(db_url)
        async with engine.connect() as conn:
            rows = await conn.execute(select(audit_entries.c.leaf).order_by(audit_entries.c.idx))
            out = [json.loads(r[0]) for r in rows]
        await engine.dispose()
        return out

    return asyncio.run(go())


@pytest.fixture
def gw_db(sqlite_url: str) -> Any:
    with running_gateway(sqlite_url) as gw:
        yield gw, sqlite_url


def test_every_response_has_a_durable_record_first(gw_db: Any) -> None:
    gw, db = gw_db
    gw: Running
    with httpx.Client(base_url=gw.url, timeout=10) as http:
        for key, status in (("active", 200), ("suspended", 403), ("revoked", 403)):
            r = http.post("/v1/chat/completions", headers={"Authorization": f"Bearer {gw.keys[key]}"},
                          json={"model": "demo-model", "messages": [{"role": "user", "content": "secret plan"}]})
            assert r.status_code == status
            rid = r.headers["x-request-id"]
            # Read straight after the response: the record must already be committed.
            mine = [rec for rec in records(db) if rec.get("request_id") == rid]
            # allowed: the intent before the upstream, then the close; refused: one decision record
            assert [m["phase"] for m in mine] == (["intent", "close"] if status == 200 else ["decision"])
            assert mine[-1]["decision"] == ("allow" if status == 200 else "deny")
        bad = http.post("/v1/chat/completions", content=b"{not json", headers={"Authorization": "Bearer x"})
        assert bad.status_code == 400
    all_records = records(db)
    denied = [r for r in all_records if r.get("decision") == "deny"]
    assert {r["reason"] for r in denied} >= {"org_suspended", "key_revoked", "invalid_json"}
    allowed = next(r for r in all_records if r.get("decision") == "allow" and r["phase"] == "close")
    assert allowed["stage"] is None and allowed["org_id"] == gw.orgs["active"]["id"]
    assert allowed["prompt_tokens"] == 2 and len(allowed["prompt_sha256"]) == 64 and "answer_sha256" in allowed
    blob = json.dumps(all_records)
    assert "secret plan" not in blob  # content is not kept by default (invariant 4)
    assert all(k not in blob for k in gw.keys.values())  # keys never reach the log (invariant 5)


def test_stream_has_input_and_closing_records(gw_db: Any) -> None:
    gw, db = gw_db
    client = openai.OpenAI(base_url=gw.v1, api_key=gw.keys["active"], max_retries=0)
    chunks = list(client.chat.completions.create(model="demo-model", stream=True,
                                                 messages=[{"role": "user", "content": "stream me"}]))
    assert chunks
    recs = [r for r in records(db) if r.get("route") == "chat.completions"]
    phases = [r["phase"] for r in recs[-2:]]
    assert phases == ["intent", "close"]
    assert recs[-1]["stream"] == {"ended": "complete"} and recs[-1]["completion_tokens"] > 0
    assert recs[-1]["request_id"] == recs[-2]["request_id"]


def test_admin_actions_are_recorded(gw_db: Any) -> None:
    gw, db = gw_db
    with httpx.Client(base_url=gw.url, timeout=10, headers=gw.admin_headers) as http:
        org = http.post("/admin/orgs", json={"name": "Audited Org", "status": "active"}).json()
        key = http.post(f"/admin/orgs/{org['id']}/keys", json={"name": "k"},
                        headers={"X-Bastion-Actor": "alice"}).json()
        http.post(f"/admin/keys/{key['id']}/revoke")
    actions = [(r["action"], r["actor"]) for r in records(db) if r.get("kind") == "admin"]
    assert actions == [("org.created", "admin"), ("key.created", "admin:alice"), ("key.revoked", "admin")]
    assert key["key"] not in json.dumps(records(db))


def test_cli_verify_export_and_standalone_tool(sqlite_url: str, tmp_path: Path) -> None:
    with running_gateway(sqlite_url) as gw:
        client = openai.OpenAI(base_url=gw.v1, api_key=gw.keys["active"], max_retries=0)
        for i in range(5):
            client.chat.completions.create(model="demo-model", messages=[{"role": "user", "content": f"q{i}"}])
        settings = gw.settings
    # two records per request (intent, close); the gateway signed a last checkpoint on shutdown
    toml = tmp_path / "bastion.toml"
    toml.write_text(f'[store]\nurl = "{settings.store.url}"\n[audit]\nsigning_key_file = '
                    f'"{settings.audit.signing_key_file}"\n')
    env = {"BASTION_CONFIG": str(toml), "BASTION_SERVER_SECRET": settings.server.server_secret, "PATH": "/usr/bin"}
    cli = [sys.executable, "-m", "bastion.cli"]
    ok = subprocess.run([*cli, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout.startswith("OK: 10 entries"), ok.stdout + ok.stderr
    proof = json.loads(subprocess.run([*cli, "audit", "prove", "--index", "2"], env=env, capture_output=True,
                                      text=True, timeout=60, check=True).stdout)
    assert proof["tree_size"] == 10 and len(proof["inclusion_proof"]) == 4
    out = tmp_path / "bundle"
    subprocess.run([*cli, "audit", "export", "--out", str(out)], env=env, check=True, timeout=60,
                   capture_output=True)
    key = (out / "verifier.key").read_text().strip()
    tool = [sys.executable, str(ROOT / "tools" / "verify_bundle.py"), str(out), "--key", key]
    good = subprocess.run(tool, capture_output=True, text=True, timeout=60)
    assert good.returncode == 0 and good.stdout.startswith("OK: entries 0..9"), good.stdout
    lines = (out / "entries.jsonl").read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b'"allow"', b'"deny"')
    (out / "entries.jsonl").write_bytes(b"\n".join(lines))
    bad = subprocess.run(tool, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and bad.stdout.startswith("FAILED at index"), bad.stdout
    via_cli = subprocess.run([*cli, "audit", "verify", "--bundle", str(out)], env=env, capture_output=True,
                             text=True, timeout=60)
    assert via_cli.returncode == 1 and "FAILED" in via_cli.stdout
