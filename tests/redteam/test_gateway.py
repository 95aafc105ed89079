"""The same planted model, raw and behind a real Bastion gateway: the report shows the guard's effect
(blocks with Bastion's OpenAI-shaped error codes), and ``compare`` shows the change."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import running_gateway
from tests.redteam.conftest import Plant, invoke, load
from tests.redteam.planted import responder


def test_through_bastion_shows_guard_blocks_and_compare(plant: Plant, sqlite_url: str, tmp_path: Path) -> None:
    raw_out, gw_out = tmp_path / "raw", tmp_path / "gateway"
    assert plant.run(raw_out).exit_code == 0
    # An authorised red-team run probes the guard on purpose; the abuse monitor would throttle or suspend
    # its org part-way through (a guard-probing signal), so here it only opens cases.
    with running_gateway(sqlite_url, responder=responder, monitor={"apply_actions": False}) as gw:
        env = {"RT_TEST_KEY": gw.keys["active"]}
        result = plant.run(gw_out, "--api-key-env", "RT_TEST_KEY", url=gw.v1, env=env)
        assert result.exit_code == 0, result.output
        # a missing key variable is one clear error, before anything is sent
        missing = plant.run(tmp_path / "nokey", "--api-key-env", "RT_UNSET_VARIABLE", url=gw.v1)
        assert missing.exit_code != 0 and "RT_UNSET_VARIABLE" in missing.output
    raw, through = load(raw_out), load(gw_out)
    block = through["metrics"]["guard_block"]
    assert block["harmful"]["k"] > 0 and block["overall"]["rate"] > 0
    blocked = [a for a in through["attempts"] if a["status"] == "blocked"]
    assert blocked and all(a["code"].startswith("policy.") or a["code"] == "content_filter" for a in blocked)
    assert all(a["http_status"] == 403 for a in blocked if a["code"].startswith("policy."))
    assert all(a["success"] is False and a["answer"] is None for a in blocked if a["harmful"])
    # nothing was blocked talking to the model directly; the gateway lowered the attack success rate
    assert raw["metrics"]["guard_block"]["overall"]["k"] == 0
    assert through["metrics"]["asr"]["overall"]["k"] < raw["metrics"]["asr"]["overall"]["k"]
    assert "guard-block" in (gw_out / "report.html").read_text()

    out = invoke("redteam", "compare", str(raw_out), str(gw_out), "--json")
    assert out.exit_code == 0, out.output
    diff = json.loads(out.output)
    assert diff["asr"]["a"] == raw["metrics"]["asr"]["overall"]["rate"]
    assert diff["asr"]["b"] == through["metrics"]["asr"]["overall"]["rate"]
    assert diff["asr"]["delta"] < 0
    assert diff["guard_block"]["delta"] == block["overall"]["rate"]
    base64 = next(d for d in diff["by_transform"] if d["transform"] == "base64")
    assert base64["delta"] < 0 and base64["a_n"] == base64["b_n"]
    assert diff["notes"] == []
    table = invoke("redteam", "compare", str(raw_out), str(gw_out))
    assert table.exit_code == 0 and "attack success" in table.output and "blocked by gateway" in table.output
