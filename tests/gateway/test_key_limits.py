"""``bastion key create --rpm 0 --tpm 0`` means unlimited; no option means the ``[limits]`` default."""

from __future__ import annotations

import json

import httpx
from click.testing import CliRunner

from bastion.cli import cli
from tests.helpers import Running, running_gateway


def _create_key(gw: Running, *options: str) -> str:
    env = {"BASTION_SERVER_SECRET": gw.settings.server.server_secret, "BASTION_DATABASE_URL": gw.settings.store.url,
           "BASTION_AUDIT__SIGNING_KEY_FILE": gw.settings.audit.signing_key_file}
    result = CliRunner().invoke(cli, ["key", "create", gw.orgs["active"]["name"], *options], env=env)
    assert result.exit_code == 0, result.output
    key: str = json.loads(result.stdout)["key"]
    return key


def _codes(gw: Running, key: str, n: int) -> list[int]:
    body = {"model": "demo-model", "messages": [{"role": "user", "content": "count these five words"}]}
    return [httpx.post(gw.v1 + "/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"},
                       timeout=10).status_code for _ in range(n)]


def test_zero_means_unlimited_and_none_means_the_default(sqlite_url: str) -> None:
    limits = {"key_rpm": 2, "key_tpm": 0, "org_rpm": 0, "org_tpm": 0}
    with running_gateway(sqlite_url, limits=limits) as gw:
        assert _codes(gw, _create_key(gw, "--rpm", "0"), 5) == [200] * 5
        assert _codes(gw, _create_key(gw), 3) == [200, 200, 429]
        assert _codes(gw, _create_key(gw, "--rpm", "1"), 2) == [200, 429]


def test_tpm_zero_is_unlimited(sqlite_url: str) -> None:
    # Each answer uses well over 5 tokens (the demo upstream counts words): the default stops the second.
    limits = {"key_rpm": 0, "key_tpm": 5, "org_rpm": 0, "org_tpm": 0}
    with running_gateway(sqlite_url, limits=limits) as gw:
        assert _codes(gw, _create_key(gw, "--tpm", "0"), 4) == [200] * 4
        assert _codes(gw, _create_key(gw), 2) == [200, 429]
