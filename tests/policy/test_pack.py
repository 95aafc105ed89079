"""The default pack, its cases, and how bad packs are rejected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bastion.policy.cases import DEFAULT_CASES, run_cases
from bastion.policy.pack import DEFAULT_DIR, PolicyError, load_pack


def test_every_default_case_passes() -> None:
    results = run_cases(load_pack(), DEFAULT_CASES)
    assert len(results) >= 20
    assert [r.name for r in results if not r.passed] == []


def test_every_default_policy_has_id_and_reason() -> None:
    pack = load_pack()
    ids = [i.id for i in pack.info.values()]
    assert len(ids) == len(set(ids)) == 16
    assert all(i.reason for i in pack.info.values())


def copy_pack(tmp_path: Path) -> Path:
    d = tmp_path / "pack"
    shutil.copytree(DEFAULT_DIR, d)
    return d


@pytest.mark.parametrize(("text", "needle"), [
    ('permit(principal, action, resource);', "@id and @reason"),
    ('@id("x")\n@reason("r")\nforbid(principal, action, resource) when { resource.no_such_attr == 1 };',
     "does not validate"),
    ('@id("access.baseline")\n@reason("dup")\npermit(principal, action, resource);', "duplicate @id"),
    ('@id("x")\n@reason("r")\npermit(principal, action, resource', "99-extra.cedar"),
])
def test_bad_packs_are_rejected_with_file_and_reason(tmp_path: Path, text: str, needle: str) -> None:
    d = copy_pack(tmp_path)
    (d / "99-extra.cedar").write_text(text)
    with pytest.raises(PolicyError) as info:
        load_pack(d)
    assert needle in str(info.value)


def test_broken_country_groups_are_rejected(tmp_path: Path) -> None:
    f = tmp_path / "groups.json"
    f.write_text('{"groups": {"example_restricted": ["XYZ"]}}')
    with pytest.raises(PolicyError, match="invalid country codes"):
        load_pack(None, f, ["example_restricted"])
    with pytest.raises(PolicyError, match="no country group"):
        load_pack(None, f, ["missing"])
    f.write_text("{not json")
    with pytest.raises(PolicyError, match="not a country-groups file"):
        load_pack(None, f, ["example_restricted"])


def test_explain_cli_names_every_deciding_policy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    cfg = tmp_path / "bastion.toml"
    cfg.write_text(f'[store]\nurl = "sqlite+aiosqlite:///{tmp_path / "p.db"}"\n[audit]\nsigning_key_file = '
                   f'"{tmp_path / "k"}"\n[models.frontier-x]\ntier = "frontier"\n'
                   'upstreams = [{ base_url = "http://127.0.0.1:9/v1" }]\n')
    env = {**os.environ, "BASTION_CONFIG": str(cfg), "BASTION_SERVER_SECRET": "s" * 32}
    cli = [sys.executable, "-m", "bastion.cli"]
    subprocess.run([*cli, "org", "create", "Tier One Ltd", "--status", "active", "--tier", "1", "--country", "GB"],
                   env=env, check=True, capture_output=True, timeout=60)
    out = subprocess.run([*cli, "policy", "explain", "--org", "Tier One Ltd", "--model", "frontier-x",
                          "--category", "mass_surveillance"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("DENY")
    assert "access.frontier_requires_tier2" in out.stdout and "usage.mass_surveillance" in out.stdout
    bad = subprocess.run([*cli, "policy", "explain", "--org", "Tier One Ltd", "--model", "nope"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "unknown model" in bad.stderr


def test_policies_can_use_the_guards_scores(tmp_path: Path) -> None:
    from bastion.config import ModelSettings
    from bastion.gateway.context import Principal
    from bastion.policy.engine import PolicyEngine

    d = copy_pack(tmp_path)
    (d / "90-strict.cedar").write_text(
        '@id("ops.cyber_strict")\n@reason("Grey-band cyber content is refused.")\n'
        'forbid(principal, action, resource) when { context.scores.cyber_offense >= 30 };')
    engine = PolicyEngine(load_pack(d), {"m": ModelSettings(upstreams=[])})
    p = Principal("o", "O", "active", "k", "bst_k", "active", tier=2, country="GB", screening_state="clear")
    assert engine.decide(p, "m", stage="usage", scores={"cyber_offense": 0.35}).ids == ["ops.cyber_strict"]
    assert engine.decide(p, "m", stage="usage", scores={"cyber_offense": 0.20}).allowed
