"""The admin API: its own token, least privilege, CRUD flows, OpenAPI."""

from __future__ import annotations

import httpx

from tests.helpers import Running


def test_admin_token_is_required_and_org_keys_never_work(gw: Running) -> None:
    with httpx.Client(base_url=gw.url, timeout=10) as http:
        assert http.get("/admin/orgs").status_code == 401
        assert http.get("/admin/orgs", headers={"Authorization": "Bearer wrong"}).status_code == 401
        r = http.get("/admin/orgs", headers={"Authorization": f"Bearer {gw.keys['active']}"})
        assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
        # and the admin token is no API key on the proxy routes
        r = http.post("/v1/chat/completions", headers=gw.admin_headers,
                      json={"model": "demo-model", "messages": [{"role": "user", "content": "x"}]})
        assert r.status_code == 401


def test_org_key_user_lifecycle(gw: Running) -> None:
    with httpx.Client(base_url=gw.url, timeout=10, headers=gw.admin_headers) as http:
        org = http.post("/admin/orgs", json={"name": "Lifecycle Ltd", "status": "active", "tier": 1,
                                             "country": "de"}).json()
        assert org["country"] == "DE" and org["tier"] == 1
        assert http.post("/admin/orgs", json={"name": "Lifecycle Ltd"}).status_code == 409
        assert http.post("/admin/orgs", json={"name": "X", "tier": 7}).status_code == 400
        user = http.post(f"/admin/orgs/{org['id']}/users", json={"email": "ana@example.com"}).json()
        key = http.post(f"/admin/orgs/{org['id']}/keys", json={"name": "prod", "user_id": user["id"]}).json()
        assert key["key"].startswith("bst_")
        listed = http.get(f"/admin/orgs/{org['id']}/keys").json()
        assert [k["id"] for k in listed] == [key["id"]] and "hmac" not in listed[0] and "key" not in listed[0]
        chat = {"model": "demo-model", "messages": [{"role": "user", "content": "hello"}]}
        auth = {"Authorization": f"Bearer {key['key']}"}
        assert httpx.post(gw.v1 + "/chat/completions", json=chat, headers=auth, timeout=10).status_code == 200
        assert http.post(f"/admin/orgs/{org['id']}/status", json={"status": "suspended"}).json()["version"] == 2
        r = httpx.post(gw.v1 + "/chat/completions", json=chat, headers=auth, timeout=10)
        assert r.status_code == 403 and r.json()["error"]["code"] == "org_suspended"
        assert http.patch(f"/admin/orgs/{org['id']}", json={"keep_content": True}).json()["keep_content"] is True
        assert http.post(f"/admin/keys/{key['id']}/revoke").json()["status"] == "revoked"
        assert http.get("/admin/orgs/org_missing").status_code == 404
        assert http.get("/admin/openapi.json").json()["info"]["title"] == "Bastion admin API"
