"""The review enums keep the stored and wire strings: a member is its string, in JSON and in rows."""

from __future__ import annotations

import json

import orjson
import pytest
from pydantic import ValidationError

from bastion.diligence.admin import DecisionIn
from bastion.diligence.review import REVIEW_VERDICTS, HitStatus, ScreeningState
from bastion.diligence.workflow import ScreeningOutcome, screening_state


def test_members_serialise_as_the_old_strings() -> None:
    out = ScreeningOutcome("org_1", ScreeningState.BLOCK, 1, True, 60.0).as_dict()
    assert json.dumps(out) == orjson.dumps(out).decode().replace(",", ", ").replace(":", ": ")
    assert json.loads(json.dumps(out))["screening_state"] == "block"
    assert [s.value for s in HitStatus] == ["open", "true_match", "false_positive"]
    assert [s.value for s in ScreeningState] == ["unscreened", "clear", "review", "block"]


def test_rows_read_back_as_plain_strings_still_decide() -> None:
    # Rows come back from the database as str, not the enum; the state machine must read them alike.
    hits = [{"subject": "org", "status": "open", "decision": "review"}]
    assert screening_state(hits, []) == (ScreeningState.REVIEW, 0.0)
    hits = [{"subject": "owner:o1", "status": "true_match", "decision": "review"}]
    assert screening_state(hits, [{"id": "o1", "share": 75}])[0] == "block"
    hits = [{"subject": "org", "status": "false_positive", "decision": "block"}]
    assert screening_state(hits, [])[0] is ScreeningState.CLEAR


def test_the_api_takes_only_a_verdict() -> None:
    assert DecisionIn.model_validate_json('{"verdict": "false_positive", "reason": "dob differs"}').verdict == (
        HitStatus.FALSE_POSITIVE)
    with pytest.raises(ValidationError):
        DecisionIn.model_validate({"verdict": "open", "reason": "x"})
    assert set(REVIEW_VERDICTS) == {"true_match", "false_positive"}
