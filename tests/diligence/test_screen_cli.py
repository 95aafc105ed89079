"""``bastion screen`` and ``bastion kyc`` as a user runs them: real subprocesses, real list files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import cli_env, run


def lists_env(tmp_path: Path, shared_data: Path) -> dict[str, str]:
    env = cli_env(tmp_path)
    env["BASTION_SCREENING__LISTS"] = json.dumps([str(shared_data / "sanctions" / "ofac-sdn-2021"),
                                                  str(shared_data / "sanctions" / "un" / "UN_consolidated.xml")])
    return env


def test_screen_one_name(tmp_path: Path, shared_data: Path) -> None:
    env = lists_env(tmp_path, shared_data)
    out = run(["screen", "Айман аз-Завахири", "--type", "person", "--json"], env)
    result = json.loads(out.stdout)
    assert result["decision"] == "block"
    assert {(m["list"], m["entity_id"]) for m in result["matches"]} >= {("ofac-sdn", "2676"), ("un", "QDi.006")}
    human = run(["screen", "Harbour Analytics Ltd", "--type", "organization"], env)
    assert "clear" in human.stdout


def test_screen_batch_contract_and_bad_lines(tmp_path: Path, shared_data: Path) -> None:
    env = cli_env(tmp_path)
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "name": "Banco Nacional de Cuba", "type": "organization"}\n'
                   '{"id": "b", "name": "Harbour Analytics", "country": "GB"}\n'
                   "{not json\n"
                   '{"id": "d", "name": "x", "type": "robot"}\n')
    dst = tmp_path / "out.jsonl"
    proc = run(["screen", "batch", "--list", str(shared_data / "sanctions" / "ofac-sdn-2021"),
                "--input", str(src), "--output", str(dst)], env, check=False)
    assert proc.returncode == 1 and "screened 2, 2 bad line(s)" in proc.stderr
    rows = [json.loads(line) for line in dst.read_text().splitlines()]
    assert [r.get("id") for r in rows] == ["a", "b", None, "d"]
    assert rows[0]["decision"] == "block" and rows[0]["matches"][0] | {} and \
        set(rows[0]["matches"][0]) >= {"list", "entity_id", "name", "score"}
    assert rows[1] == {"id": "b", "decision": "clear", "matches": []}
    assert rows[2]["line"] == 3 and "error" in rows[2] and "type" in rows[3]["error"]


def test_broken_list_is_one_clear_line(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    bad = tmp_path / "list.csv"
    bad.write_text("source,name,type\nSDN,Somebody\n")
    proc = run(["screen", "Somebody", "--list", str(bad)], env, check=False)
    assert proc.returncode != 0 and "list.csv:2" in proc.stderr and "Traceback" not in proc.stderr
    none = run(["screen", "Somebody"], env, check=False)
    assert none.returncode != 0 and "no sanctions lists are configured" in none.stderr


def test_rescreen_queue_review_and_tiers(tmp_path: Path, shared_data: Path) -> None:
    env = lists_env(tmp_path, shared_data)
    org = json.loads(run(["org", "create", "Banco Nacional de Cuba SA", "--status", "active"], env).stdout)
    clean = json.loads(run(["org", "create", "Harbour Analytics Ltd", "--status", "active"], env).stdout)
    summary = json.loads(run(["screen", "rescreen"], env).stdout)
    assert summary["orgs"] == 2 and summary["suspended"] == [org["id"]]
    queue = [json.loads(line) for line in run(["screen", "queue", "--json"], env).stdout.splitlines()]
    # the bank itself, and any listed alias its name holds whole (OFAC's "BANCO NACIONAL" of entry 26549)
    assert (org["id"], "ofac-sdn", "306") in [(h["org_id"], h["list_id"], h["entity_id"]) for h in queue]
    assert {h["org_id"] for h in queue} == {org["id"]}
    assert "ofac-sdn" in run(["screen", "queue"], env).stdout
    dossier = json.loads(run(["kyc", "show", clean["id"]], env).stdout)
    assert dossier["org"]["screening_state"] == "clear" and dossier["org"]["tier"] == 1
    refused = run(["kyc", "tier", clean["id"], "2", "--reason", "verified"], env, check=False)
    assert refused.returncode != 0 and "needs a KYC profile" in refused.stderr
    hit = next(h for h in json.loads(run(["kyc", "show", org["id"]], env).stdout)["hits"])
    out = json.loads(run(["screen", "review", hit["id"], "--verdict", "true_match", "--reason", "same bank"],
                         env).stdout)
    assert out["screening_state"] == "block"
    audit = run(["audit", "verify"], env)
    assert audit.returncode == 0


def test_screen_batch_takes_birth_dates_and_identifiers(tmp_path: Path, shared_data: Path) -> None:
    """The optional fields extend the same contract: a matching passport is named in the
    explanation, a birth year far off lowers the score, a malformed field is one bad line."""
    env = cli_env(tmp_path)
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "name": "Ayman al-Zawahiri", "type": "person", '
                   '"identifiers": {"passport": "1084010"}}\n'
                   '{"id": "b", "name": "Ayman al-Zawahiri", "type": "person", "birth_date": "1951/1952"}\n'
                   '{"id": "c", "name": "Ayman al-Zawahiri", "type": "person", "birth_date": "1990-02-01"}\n'
                   '{"id": "d", "name": "Artavil", "type": "vessel", "identifiers": {"imo": "IMO 9187629"}}\n'
                   '{"id": "e", "name": "x y", "birth_date": "19th of June"}\n'
                   '{"id": "f", "name": "x y", "identifiers": ["passport", "1"]}\n')
    dst = tmp_path / "out.jsonl"
    proc = run(["screen", "batch", "--list", str(shared_data / "sanctions" / "ofac-sdn-2021"),
                "--input", str(src), "--output", str(dst)], env, check=False)
    assert proc.returncode == 1 and "screened 4, 2 bad line(s)" in proc.stderr
    rows = {r["id"]: r for r in map(json.loads, dst.read_text().splitlines())}
    top = {k: rows[k]["matches"][0] for k in "abcd" if rows[k]["matches"]}
    assert top["a"]["entity_id"] == "2676" and "identifier agree (subject passport 1084010" in top["a"]["explanation"]
    assert "birth_date agree (subject 1951/1952, list 1951-06-19)" in top["b"]["explanation"]
    assert "c" not in top or top["c"]["score"] < top["b"]["score"]
    assert top["d"]["entity_id"] == "15036" and "identifier agree" in top["d"]["explanation"]
    assert "birth_date" in rows["e"]["error"] and "identifiers" in rows["f"]["error"]
