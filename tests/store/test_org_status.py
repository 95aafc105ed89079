"""One list of org statuses: the enum's values are the stored strings, and the console shows the same list."""

from __future__ import annotations

import json

from bastion.console import queries
from bastion.store.accounts import ORG_STATUSES, OrgStatus


def test_values_are_the_stored_strings() -> None:
    assert ORG_STATUSES == ("pending", "active", "suspended", "closed")
    assert json.dumps({"status": OrgStatus.SUSPENDED}) == '{"status": "suspended"}'
    assert OrgStatus.ACTIVE == "active"  # rows read back as plain strings still compare


def test_console_lists_the_same_statuses() -> None:
    assert tuple(queries.ORG_STATUSES) == ORG_STATUSES
