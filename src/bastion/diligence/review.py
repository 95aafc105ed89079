"""The states of denied-party review, as enums whose values are the stored and wire strings.

``HitStatus`` is a screening hit's review status (the ``screening_hits.status`` column, the admin
API's ``status`` and ``verdict`` fields, ``bastion screen review --verdict``); ``ScreeningState`` is
an org's overall state (``orgs.screening_state``, read by the account gate). Both are ``StrEnum``, so
a member equals, stores and serialises as its string and rows read back as plain strings still compare.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class HitStatus(StrEnum):
    OPEN = "open"
    TRUE_MATCH = "true_match"
    FALSE_POSITIVE = "false_positive"


# What an officer may decide an open hit to be.
ReviewVerdict = Literal[HitStatus.TRUE_MATCH, HitStatus.FALSE_POSITIVE]
REVIEW_VERDICTS: tuple[HitStatus, ...] = (HitStatus.TRUE_MATCH, HitStatus.FALSE_POSITIVE)


class ScreeningState(StrEnum):
    UNSCREENED = "unscreened"
    CLEAR = "clear"
    REVIEW = "review"
    BLOCK = "block"
