"""A pack that drops or weakens an absolute forbid is refused, by behaviour, at start-up, on reload and by
``bastion policy validate``; a waiver must be named and is audited. Mutation tests: every way of
weakening one of the default pack's absolute forbids below must be caught."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from bastion.config import Settings
from bastion.policy import absolute
from bastion.policy.cli import policy
from bastion.policy.pack import DEFAULT_DIR, PolicyError, load_pack
from bastion.policy.service import pack_from_settings
from tests.audit.test_gateway_audit import records
from tests.helpers import running_gateway
from tests.test_cli import BASTION, cli_env

USAGE = DEFAULT_DIR / "20-usage.cedar"

# Ways an operator could weaken `forbid ... when { context.flagged.contains("<c>") };` by accident.
MUTATIONS: dict[str, str] = {
    "removed": "",
    "unless_programme": '{forbid}\nunless {{ principal.org.programmes.contains("defence_research") }};',
    "tier_guard": '{head} && principal.org.tier < 3 }};',
    "score_guard": '{head} && context.scores.{c} > 50 }};',
    "declared_use": '{head} && context.declared_use != "research" }};',
    "country": '{head} && principal.org.country != "US" }};',
    "request_country": '{head} && context.request_country != "FR" }};',
    "hour": '{head} && context.hour_utc != 3 }};',
    "model_tier": '{head} && resource.tier != "restricted" }};',
    "action": '{head} && action != Action::"list_models" }};',
    "renamed": 'forbid(principal, action, resource)\nwhen {{ context.flagged.contains("{c}_x") }};',
}


def forbid_block(text: str, category: str) -> str:
    m = re.search(r'forbid\(principal, action, resource\)\nwhen \{ context\.flagged\.contains\("' + category
                  + r'"\) \};', text)
    assert m, f"the default pack's forbid for {category} changed shape"
    return m.group(0)


def mutated_pack(tmp_path: Path, category: str, mutation: str) -> Path:
    pack = tmp_path / f"pack-{category}-{mutation}"
    shutil.copytree(DEFAULT_DIR, pack)
    text = USAGE.read_text()
    block = forbid_block(text, category)
    head = block.removesuffix(" };")
    new = MUTATIONS[mutation].format(forbid=block.removesuffix(";"), head=head, c=category)
    if mutation == "removed":
        text = re.sub(r'@id\("usage\.' + category + r'"\)\n@reason\("[^"]*"\)\n' + re.escape(block), "", text)
    else:
        text = text.replace(block, new)
    (pack / "20-usage.cedar").write_text(text)
    return pack


def settings_for(pack: Path, waive: list[str] | None = None) -> Settings:
    return Settings.model_validate({"policy": {"policy_dir": str(pack), "waive_absolute": waive or []}})


def test_default_pack_holds_every_absolute_rule() -> None:
    assert absolute.leaks(load_pack()) == []
    absolute.check(load_pack())


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@pytest.mark.parametrize("category", absolute.ABSOLUTE)
def test_weakened_absolute_forbid_is_refused(tmp_path: Path, category: str, mutation: str) -> None:
    pack_dir = mutated_pack(tmp_path, category, mutation)
    pack = load_pack(pack_dir)  # still a valid Cedar pack: only the behavioural check catches it
    assert absolute.leaks(pack) == [category]
    with pytest.raises(PolicyError, match=category):
        pack_from_settings(settings_for(pack_dir))
    result = CliRunner().invoke(policy, ["validate", str(pack_dir)])
    assert result.exit_code != 0 and category in result.output
    # the operator's named waiver is the only way through
    assert pack_from_settings(settings_for(pack_dir, [category])).digest == pack.digest
    ok = CliRunner().invoke(policy, ["validate", str(pack_dir), "--waive", category])
    assert ok.exit_code == 0, ok.output


def test_an_unrelated_permit_does_not_trip_the_check(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(DEFAULT_DIR, pack)
    (pack / "90-ops.cedar").write_text(
        '@id("ops.everyone")\n@reason("operator permit")\npermit(principal, action, resource)\n'
        'when { principal.org.programmes.contains("defence_research") };\n')
    absolute.check(load_pack(pack))


def test_unknown_waiver_is_a_settings_error() -> None:
    with pytest.raises(ValueError, match="waive_absolute"):
        Settings.model_validate({"policy": {"waive_absolute": ["cyber_offense"]}})


def test_serve_refuses_weakened_pack_and_gateway_audits_a_waiver(tmp_path: Path, sqlite_url: str) -> None:
    pack = mutated_pack(tmp_path, "mass_surveillance", "unless_programme")
    config = tmp_path / "bastion.toml"
    config.write_text('[models.m]\nupstreams = [{ base_url = "http://127.0.0.1:9/v1" }]\n')
    env = {**cli_env(tmp_path), "BASTION_POLICY__POLICY_DIR": str(pack), "BASTION_ADMIN_TOKEN": "t" * 32,
           "BASTION_CONFIG": str(config)}
    out = subprocess.run([*BASTION, "serve", "--port", "0"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "mass_surveillance" in out.stdout + out.stderr
    with running_gateway(sqlite_url, policy={"policy_dir": str(pack), "waive_absolute": ["mass_surveillance"]}) as gw:
        assert httpx.get(gw.url + "/healthz", timeout=5).status_code == 200
    waived = [r for r in records(sqlite_url) if r.get("kind") == "admin" and r["action"] == "policy.absolute_waived"]
    assert waived and waived[0]["details"]["categories"] == ["mass_surveillance"]


def test_reload_keeps_the_old_pack_when_the_new_one_is_weakened(tmp_path: Path, sqlite_url: str) -> None:
    pack = tmp_path / "live"
    shutil.copytree(DEFAULT_DIR, pack)
    with running_gateway(sqlite_url, policy={"policy_dir": str(pack), "reload_interval_s": 0}) as gw:
        before = gw.app.services.policy.engine.pack.digest
        weakened = mutated_pack(tmp_path, "cbrn_weapons", "tier_guard")
        shutil.copy(weakened / "20-usage.cedar", pack / "20-usage.cedar")
        r = httpx.post(gw.url + "/admin/policy/reload", headers=gw.admin_headers, timeout=10)
        assert r.status_code == 422 and "cbrn_weapons" in r.json()["error"]["message"]
        assert gw.app.services.policy.engine.pack.digest == before
