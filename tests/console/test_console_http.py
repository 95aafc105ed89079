"""The console's security rules over real HTTP (httpx): sign-in, CSRF, roles, throttle, audit trail."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from click.testing import CliRunner

from bastion.cli import cli
from tests.audit.test_gateway_audit import records
from tests.console.conftest import PASSWORD, console_gateway
from tests.helpers import Running


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def sign_in(gw: Running, name: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=gw.url, timeout=10)
    form = client.get("/console/login")
    r = client.post("/console/login", data={"csrf": csrf_of(form.text), "name": name, "password": password})
    assert r.status_code == 303, r.text
    return client


def test_pages_need_a_session(gateway: Running) -> None:
    r = httpx.get(gateway.url + "/console/orgs")
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_login_sets_a_strict_httponly_cookie_and_records_the_person(gateway: Running) -> None:
    client = httpx.Client(base_url=gateway.url, timeout=10)
    form = client.get("/console/login")
    r = client.post("/console/login", data={"csrf": csrf_of(form.text), "name": "officer", "password": PASSWORD})
    assert r.status_code == 303
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("bastion-console="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.get("/console/").status_code == 200
    logins = [x for x in records(gateway.settings.store.url) if x.get("action") == "console.login"]
    assert logins and logins[-1]["actor"] == "console:officer"


def test_login_without_its_csrf_token_is_refused(gateway: Running) -> None:
    r = httpx.post(gateway.url + "/console/login", data={"name": "officer", "password": PASSWORD})
    assert r.status_code == 403


def test_wrong_password_then_throttled(gateway: Running) -> None:
    client = httpx.Client(base_url=gateway.url, timeout=10)
    for _ in range(5):
        token = csrf_of(client.get("/console/login").text)
        r = client.post("/console/login", data={"csrf": token, "name": "auditor", "password": "wrong password!"})
        assert r.status_code == 401
    token = csrf_of(client.get("/console/login").text)
    # Even the right password is refused while the throttle holds.
    r = client.post("/console/login", data={"csrf": token, "name": "auditor", "password": PASSWORD})
    assert r.status_code == 429
    # Another person from the same address is not affected.
    sign_in(gateway, "officer")
    throttled = [x for x in records(gateway.settings.store.url) if x.get("action") == "console.login_throttled"]
    assert len(throttled) == 1 and throttled[0]["actor"] == "console:auditor"


def test_post_without_csrf_is_403_and_changes_nothing(gateway: Running) -> None:
    client = sign_in(gateway, "officer")
    org_id = gateway.orgs["active"]["id"]
    r = client.post(f"/console/orgs/{org_id}/status", data={"status": "suspended", "reason": "test"})
    assert r.status_code == 403
    r = client.post(f"/console/orgs/{org_id}/status", data={"status": "suspended", "reason": "t", "csrf": "x" * 43})
    assert r.status_code == 403
    assert "active" in client.get(f"/console/orgs/{org_id}").text


def test_roles(gateway: Running) -> None:
    officer, auditor, admin = (sign_in(gateway, n) for n in ("officer", "auditor", "admin"))
    assert officer.get("/console/audit").status_code == 403
    assert officer.get("/console/users").status_code == 403
    assert officer.get("/console/screening").status_code == 200
    assert auditor.get("/console/audit").status_code == 200
    assert auditor.get("/console/users").status_code == 403
    assert admin.get("/console/users").status_code == 200
    assert admin.get("/console/audit").status_code == 403
    org_id = gateway.orgs["active"]["id"]
    page = auditor.get(f"/console/orgs/{org_id}")
    assert page.status_code == 200 and "/status" not in page.text  # no action form for a read-only role
    r = auditor.post(f"/console/orgs/{org_id}/status",
                     data={"status": "suspended", "reason": "x", "csrf": csrf_of(page.text)})
    assert r.status_code == 403


def test_org_filters_and_paging(gateway: Running) -> None:
    client = sign_in(gateway, "admin")
    page = client.get("/console/orgs", params={"status": "suspended"}).text
    assert "Suspended Org" in page and "Active Org" not in page
    page = client.get("/console/orgs", params={"tier": "2", "country": "gb"}).text
    assert "Active Org" in page and "Pending Org" not in page
    assert client.get("/console/orgs", params={"tier": "9"}).status_code == 400
    assert "No organisation matches" in client.get("/console/orgs", params={"country": "FR"}).text


def test_logout_ends_the_session(gateway: Running) -> None:
    client = sign_in(gateway, "auditor")
    token = client.cookies["bastion-console"]
    page = client.get("/console/")
    r = client.post("/console/logout", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 303
    # The old cookie, replayed, names no session any more: the server deleted it.
    replay = httpx.Client(base_url=gateway.url, cookies={"bastion-console": token}, timeout=10)
    assert replay.get("/console/").status_code == 303


def test_cli_user_add(tmp_path: Path) -> None:
    config = tmp_path / "bastion.toml"
    config.write_text(f'[store]\nurl = "sqlite+aiosqlite:///{tmp_path}/cli.db"\n[audit]\nenabled = false\n')
    env = {"BASTION_CONFIG": str(config)}
    runner = CliRunner()
    r = runner.invoke(cli, ["console", "user", "add", "carol", "--role", "officer", "--password-stdin"],
                      input="a long enough secret\n", env=env)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["role"] == "officer"
    r = runner.invoke(cli, ["console", "user", "add", "dave", "--role", "officer", "--password-stdin"],
                      input="short\n", env=env)
    assert r.exit_code != 0 and "at least 12" in r.output
    r = runner.invoke(cli, ["console", "user", "add", "carol", "--role", "root", "--password-stdin"],
                      input="a long enough secret\n", env=env)
    assert r.exit_code != 0
    r = runner.invoke(cli, ["console", "user", "list"], env=env)
    assert [u["name"] for u in json.loads(r.output)] == ["carol"]
    assert "argon2id" not in r.output  # hashes never leave the database


def test_session_ends_at_its_absolute_lifetime(tmp_path: Path) -> None:
    import time

    for gw in console_gateway(tmp_path, secure_cookies=False, session_ttl_s=4, idle_timeout_s=3):
        client = sign_in(gw, "officer")
        signed_in = time.monotonic()
        assert client.get("/console/orgs").status_code == 200
        while time.monotonic() - signed_in < 4.5:  # requests keep it from going idle, not past its lifetime
            time.sleep(1)
            if time.monotonic() - signed_in < 3.5:
                assert client.get("/console/orgs").status_code == 200
        assert client.get("/console/orgs").status_code == 303


def test_disabled_console_is_not_served(tmp_path: Path) -> None:
    for gw in console_gateway(tmp_path, enabled=False):
        r = httpx.get(gw.url + "/console/login")
        assert r.status_code == 404


def test_admin_adds_a_person_from_the_console(gateway: Running) -> None:
    admin = sign_in(gateway, "admin")
    token = csrf_of(admin.get("/console/users").text)
    r = admin.post("/console/users/add", data={"csrf": token, "name": "erin", "role": "auditor",
                                               "password": "short"})
    assert r.status_code == 400
    r = admin.post("/console/users/add", data={"csrf": token, "name": "erin", "role": "auditor",
                                               "password": "erin's long passphrase"})
    assert r.status_code == 303
    erin = sign_in(gateway, "erin", "erin's long passphrase")
    assert erin.get("/console/audit").status_code == 200
    added = [x for x in records(gateway.settings.store.url) if x.get("action") == "console.user_added"]
    assert added[-1]["actor"] == "console:admin" and added[-1]["details"]["user"] == "erin"
    assert "passphrase" not in str(added)
    officer = sign_in(gateway, "officer")
    r = officer.post("/console/users/add", data={"csrf": csrf_of(officer.get("/console/").text), "name": "x",
                                                 "role": "admin", "password": "x" * 20})
    assert r.status_code == 403


def test_audit_search_by_org_reason_and_time(gateway: Running) -> None:
    from datetime import UTC, datetime, timedelta

    before = datetime.now(UTC) - timedelta(seconds=1)
    for key in ("active", "suspended"):
        httpx.post(gateway.v1 + "/chat/completions", headers={"Authorization": f"Bearer {gateway.keys[key]}"},
                   json={"model": "demo-model", "messages": [{"role": "user", "content": "hi"}]}, timeout=10)
    auditor = sign_in(gateway, "auditor")

    def rows(**params: str) -> int:
        page = auditor.get("/console/audit", params=params)
        assert page.status_code == 200, page.text
        return page.text.count('<span class="badge ')

    suspended = gateway.orgs["suspended"]["id"]
    assert rows(org=suspended) == 1
    assert rows(reason="org_suspended") == 1
    assert rows(org=gateway.orgs["active"]["id"], reason="org_suspended") == 0
    assert rows(**{"from": before.strftime("%Y-%m-%dT%H:%M:%S")}) >= 2
    assert rows(to=before.strftime("%Y-%m-%dT%H:%M:%S")) == 0
    assert auditor.get("/console/audit", params={"from": "yesterday"}).status_code == 400
