"""The two policy points through the real gateway: refusals name the policy, models are filtered,
country rules apply, and reloads are atomic."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from bastion.policy.pack import DEFAULT_DIR
from tests.helpers import Running, running_gateway


def models(upstream: str) -> dict[str, Any]:
    up = [{"base_url": upstream + "/v1"}]
    return {"demo-model": {"upstreams": up}, "frontier-x": {"upstreams": up, "tier": "frontier"},
            "restricted-x": {"upstreams": up, "tier": "restricted", "programmes": ["government_lawful_use"]}}


@pytest.fixture
def gw(sqlite_url: str, tmp_path: Path) -> Iterator[Running]:
    pack = tmp_path / "pack"
    shutil.copytree(DEFAULT_DIR, pack)
    with running_gateway(sqlite_url, server={"trust_country_header": True},
                         policy={"policy_dir": str(pack), "reload_interval_s": 0.2}) as running:
        # the fixture's settings carry one model; add the tiered ones on the live engine and routes
        from bastion.config import ModelSettings
        from bastion.gateway.upstream import Route

        services = running.app.services
        for name, spec in models(running.upstream_url).items():
            ms = ModelSettings.model_validate(spec)
            services.upstreams.routes[name] = Route(name, ms)
            services.policy.engine.models[name] = ms
        yield running


def chat(gw: Running, model: str, key: str = "active", country: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {gw.keys[key]}"}
    if country:
        headers["x-bastion-country"] = country
    return httpx.post(gw.v1 + "/chat/completions", headers=headers, timeout=10,
                      json={"model": model, "messages": [{"role": "user", "content": "hi"}]})


def test_tier_rules_and_model_listing(gw: Running) -> None:
    # the seeded "active" org is tier 2: frontier yes, restricted no (no programme)
    assert chat(gw, "frontier-x").status_code == 200
    r = chat(gw, "restricted-x")
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["code"] == "policy.access.restricted_requires_programme"
    assert "programme" in err["message"] and err["bastion"]["stage"] == "access_policy"
    client = openai.OpenAI(base_url=gw.v1, api_key=gw.keys["active"], max_retries=0)
    assert sorted(m.id for m in client.models.list()) == ["demo-model", "frontier-x"]


def test_restricted_request_country(gw: Running) -> None:
    assert chat(gw, "demo-model", country="GB").status_code == 200
    r = chat(gw, "demo-model", country="KP")
    assert r.status_code == 403 and r.json()["error"]["code"] == "policy.jurisdiction.request_from_restricted"


def test_admin_reload_is_atomic_and_file_changes_reload(gw: Running, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    admin = httpx.Client(base_url=gw.url, headers=gw.admin_headers, timeout=10)
    before = admin.get("/admin/policy").json()["digest"]
    # A bad file: rejected with the validation error, the old set stays in force.
    (pack / "50-bad.cedar").write_text('@id("bad")\n@reason("r")\nforbid(principal, action, resource) '
                                       'when { resource.nope == 1 };')
    r = admin.post("/admin/policy/reload")
    assert r.status_code == 422 and "does not validate" in r.json()["error"]["message"]
    assert admin.get("/admin/policy").json()["digest"] == before
    assert chat(gw, "demo-model").status_code == 200
    # A good change: deny the standard model to everyone; the watcher picks it up by itself.
    (pack / "50-bad.cedar").write_text('@id("ops.freeze")\n@reason("Maintenance freeze.")\n'
                                       'forbid(principal, action, resource) when { resource.tier == "standard" };')
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and admin.get("/admin/policy").json()["digest"] == before:
        time.sleep(0.1)
    r = chat(gw, "demo-model")
    assert r.status_code == 403 and r.json()["error"]["code"] == "policy.ops.freeze"
    admin.close()


def test_geoip_file_gives_the_request_country(sqlite_url: str, tmp_path: Path) -> None:
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    w = MMDBWriter()
    w.insert_network(IPSet(["127.0.0.0/8"]), {"country": {"iso_code": "KP"}})
    db = tmp_path / "geo.mmdb"
    w.to_db_file(str(db))
    with running_gateway(sqlite_url, policy={"geoip_file": str(db)}) as gw:
        r = chat(gw, "demo-model")
        assert r.status_code == 403 and r.json()["error"]["code"] == "policy.jurisdiction.request_from_restricted"
