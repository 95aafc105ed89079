"""``download_weights`` through the admin API: the access policy decides, only ciphertext leaves,
and every download and refusal is in the audit log."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric import ec

from bastion.store.accounts import AccountStore
from bastion.store.db import create_engine
from bastion.vault.custodians import Custodian, new_custodian_key
from bastion.vault.vault import seal
from tests.audit.test_gateway_audit import records
from tests.helpers import running_gateway


def sealed_model(tmp_path: Path) -> Path:
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"WEIGHTS-PLAINTEXT-MARKER" * 4096)
    (model / "config.json").write_text('{"hidden": 8}')
    custodians = [Custodian(f"c{i}", new_custodian_key()[1]) for i in range(3)]
    out = tmp_path / "sealed"
    seal(model, out, custodians, 2, ec.generate_private_key(ec.SECP256R1()), "demo-model", "1.0")
    return out


def make_custodian_org(db_url: str, secret: str) -> str:
    async def go() -> str:
        engine = create_engine(db_url)
        accounts = AccountStore(engine, secret)
        org = await accounts.create_org("Weights Custodian Lab", status="active", tier=3, country="GB",
                                        programmes=["weights_custodian"])
        await engine.dispose()
        return str(org["id"])

    return asyncio.run(go())


def test_download_weights_goes_through_the_policy(sqlite_url: str, tmp_path: Path) -> None:
    sealed = sealed_model(tmp_path)
    with running_gateway(sqlite_url, vault={"sealed_models": {"demo-model": str(sealed)}}) as gw:
        h = {**gw.admin_headers, "X-Bastion-Actor": "officer-kim"}
        custodian = make_custodian_org(sqlite_url, gw.settings.server.server_secret)
        ok = httpx.get(gw.url + "/admin/vault/demo-model/manifest", headers=h, params={"org_id": custodian})
        assert ok.status_code == 200, ok.text
        files = ok.json()["files"]
        assert len(files) == 2 and ok.json()["signature"]
        blob = httpx.get(gw.url + "/admin/vault/demo-model/files/0", headers=h, params={"org_id": custodian})
        assert blob.status_code == 200
        assert blob.content == (sealed / files[0]).read_bytes() and b"WEIGHTS-PLAINTEXT-MARKER" not in blob.content
        assert hashlib.sha256(blob.content).hexdigest() == ok.json()["manifest"]["files"][0]["sealed_sha256"]
        # a tier-2 company without the programme is refused, and told which policy decided
        other = gw.orgs["active"]["id"]
        refused = httpx.get(gw.url + "/admin/vault/demo-model/files/0", headers=h, params={"org_id": other})
        assert refused.status_code == 403 and "download_weights refused" in refused.json()["error"]["message"]
        assert httpx.get(gw.url + "/admin/vault/demo-model/files/9", headers=h,
                         params={"org_id": custodian}).status_code == 404
        assert httpx.get(gw.url + "/admin/vault/other/manifest", headers=h,
                         params={"org_id": custodian}).status_code == 404
        assert httpx.get(gw.url + "/admin/vault/demo-model/manifest", params={"org_id": custodian}).status_code == 401
        assert httpx.get(gw.url + "/admin/vault/demo-model/manifest", headers={
            "Authorization": f"Bearer {gw.keys['active']}"}, params={"org_id": custodian}).status_code == 401
    got = [(r["action"], r["details"].get("org_id")) for r in records(sqlite_url) if r.get("kind") == "admin"
           and str(r.get("action", "")).startswith("vault.")]
    assert ("vault.download", custodian) in got and ("vault.download_refused", other) in got
