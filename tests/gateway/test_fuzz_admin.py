"""Schemathesis fuzzes the admin API from its own OpenAPI spec: no input may cause a 5xx, and
successful answers match the spec. (Driven from a plain test: schemathesis' pytest plugin does not
load under this pytest version.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.helpers import Running, running_gateway

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def operations(gw: Running) -> list[Any]:
    schema = schemathesis.openapi.from_url(gw.url + "/admin/openapi.json", headers=gw.admin_headers)
    schema.config.base_url = gw.url
    ops = [result.ok() for result in schema.get_all_operations()]
    assert len(ops) >= 10
    return ops


def test_admin_api_never_fails_server_side(sqlite_url: str, shared_data: Path) -> None:
    # with a list loaded, so that the diligence routes do their work (without one they answer 503 by design)
    lists = [str(shared_data / "sanctions" / "csl-us" / "consolidated.csv")]
    with running_gateway(sqlite_url, screening={"lists": lists, "watch_interval_s": 0}) as gw:
        for op in operations(gw):

            @FUZZ
            @given(case=op.as_strategy())
            def run(case: Any) -> None:
                case.call_and_validate(headers=gw.admin_headers, checks=[not_a_server_error,
                                                                         response_schema_conformance])

            run()


def test_admin_api_refuses_org_keys_and_no_token(sqlite_url: str) -> None:
    with running_gateway(sqlite_url) as gw:
        for op in operations(gw):

            @settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(case=op.as_strategy())
            def run(case: Any) -> None:
                for headers in ({"Authorization": f"Bearer {gw.keys['active']}"}, {}):
                    response = case.call(headers=headers)
                    # an org key is never an admin token; malformed input may be refused first (400)
                    assert response.status_code in (400, 401, 405), response.status_code
                    assert "error" in response.json()

            run()
