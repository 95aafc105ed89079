"""The in-process monitor (no Redis: ``bastion serve`` runs the engine) and the admin API for cases,
on a real served gateway: a distiller becomes a case, an analyst decides it over the admin API, the
decision is audited, and a dismissed finding is not reopened."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.audit.test_gateway_audit import records
from tests.helpers import running_gateway
from tests.monitor.test_stream_worker import FAST, distiller_prompt, long_answer


def _cases(gw: Any, **params: Any) -> list[dict[str, Any]]:
    resp = httpx.get(gw.url + "/admin/monitor/cases", headers=gw.admin_headers, params=params, timeout=10)
    assert resp.status_code == 200, resp.text
    out: list[dict[str, Any]] = resp.json()
    return out


def test_in_process_monitor_and_admin_decision(sqlite_url: str) -> None:
    review_only = {**FAST, "actions": {"review": 0.3, "step_down": 0.97, "throttle": 0.98, "suspend": 0.99}}
    with running_gateway(sqlite_url, long_answer, monitor=review_only) as gw:
        org = gw.orgs["active"]["id"]
        with httpx.Client(headers={"Authorization": f"Bearer {gw.keys['active']}"}, timeout=30) as c:
            for i in range(50):
                assert c.post(gw.v1 + "/chat/completions", json={
                    "model": "demo-model",
                    "messages": [{"role": "user", "content": distiller_prompt(i)}]}).status_code == 200
        deadline = time.monotonic() + 15
        while not _cases(gw, org=org) and time.monotonic() < deadline:
            time.sleep(0.1)
        listed = _cases(gw, org=org)
        assert len(listed) == 1 and listed[0]["action"] == "review" and listed[0]["status"] == "open"
        case_id = listed[0]["id"]
        # Behind the admin token only.
        assert httpx.get(gw.url + f"/admin/monitor/cases/{case_id}", timeout=10).status_code == 401
        assert httpx.get(gw.url + "/admin/monitor/cases/case_nope", headers=gw.admin_headers,
                         timeout=10).status_code == 404
        bad = httpx.post(gw.url + f"/admin/monitor/cases/{case_id}/decision", headers=gw.admin_headers,
                         json={"outcome": "maybe", "reason": "x", "analyst": "B"}, timeout=10)
        assert bad.status_code == 400
        headers = {**gw.admin_headers, "X-Bastion-Actor": "b.analyst"}
        decided = httpx.post(gw.url + f"/admin/monitor/cases/{case_id}/decision", headers=headers,
                             json={"outcome": "dismissed", "reason": "a known eval harness", "analyst": "B. Analyst"},
                             timeout=10)
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "dismissed" and decided.json()["analyst"] == "B. Analyst"
        again = httpx.post(gw.url + f"/admin/monitor/cases/{case_id}/decision", headers=headers,
                           json={"outcome": "confirmed", "reason": "x", "analyst": "B"}, timeout=10)
        assert again.status_code == 409
        # The org stays active (review only), and more of the same traffic opens no new case.
        with httpx.Client(headers={"Authorization": f"Bearer {gw.keys['active']}"}, timeout=30) as c:
            for i in range(50, 80):
                assert c.post(gw.v1 + "/chat/completions", json={
                    "model": "demo-model",
                    "messages": [{"role": "user", "content": distiller_prompt(i)}]}).status_code == 200
        time.sleep(1.0)
        assert [c["id"] for c in _cases(gw, org=org)] == [case_id]
    admin = [r for r in records(sqlite_url) if r.get("kind") == "admin" and r["action"].startswith("monitor.")]
    assert [r["action"] for r in admin] == ["monitor.case_opened", "monitor.case_decided"]
    assert admin[1]["actor"] == "admin:b.analyst" and admin[1]["details"]["analyst"] == "B. Analyst"
    assert admin[0]["details"]["signals"] and "Explain in depth" not in str(admin[0]["details"])
