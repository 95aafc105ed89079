"""Train / validation / held-out splits, by behaviour and by sub-topic.

* ``holdout``: every example of a sub-topic marked ``holdout: true`` in taxonomy.yaml (one per frontier
  category). The model never trains on them; their recall says how it does on a kind of request it has
  not seen.
* ``val``: one group in five of the rest, by a stable hash of the group (a behaviour, its rephrasings,
  its wrappers and its minimal-pair twin stay on one side). Thresholds and designs are chosen here.
* ``train``: everything else.
"""

from __future__ import annotations

import hashlib
from functools import cache

from bastion.guard.taxonomy import taxonomy
from training.guard.sources import Example


@cache
def holdout_subtopics() -> frozenset[str]:
    out = set()
    for cat, spec in taxonomy()["categories"].items():
        for sub, body in (spec.get("subtopics") or {}).items():
            if body.get("holdout"):
                out.add(f"{cat}/{sub}")
    return frozenset(out)


def split_of(e: Example) -> str:
    if e.subtopic in holdout_subtopics():
        return "holdout"
    h = int(hashlib.sha256(e.group.encode()).hexdigest()[:8], 16)
    return "val" if h % 5 == 0 else "train"
