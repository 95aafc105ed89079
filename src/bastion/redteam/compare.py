"""Compare two reports: the raw model against the same model behind Bastion, or two model versions.

Pure: two report documents in, the differences out. A change is marked ``significant`` when the two
Wilson 95% intervals do not overlap, a conservative test (it misses some real changes, but a flagged one
is real at roughly the 99% level).
"""

from __future__ import annotations

from typing import Any


def _delta(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any]:
    ra = a.get("rate") if a else None
    rb = b.get("rate") if b else None
    significant = bool(a and b and a.get("n") and b.get("n") and (a["ci_high"] < b["ci_low"] or
                                                                   b["ci_high"] < a["ci_low"]))
    return {"a": ra, "b": rb, "a_n": a.get("n", 0) if a else 0, "b_n": b.get("n", 0) if b else 0,
            "delta": None if ra is None or rb is None else rb - ra, "significant": significant}


def _table(a: dict[str, Any], b: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [{key: k, **_delta(a.get(k), b.get(k))} for k in sorted(set(a) | set(b))]


def _side(doc: dict[str, Any]) -> dict[str, Any]:
    return {"model": doc["target"]["model"], "url": doc["target"]["url"], "run_id": doc.get("run_id"),
            "started": doc.get("date", {}).get("started"), "primary_judge": doc["metrics"]["primary_judge"],
            "suites": [[s["name"], s["sha256"]] for s in doc["suites"]]}


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    ma, mb = a["metrics"], b["metrics"]
    ca = {(c["category"], c["transform"]): c for c in ma["asr"]["cells"]}
    cb = {(c["category"], c["transform"]): c for c in mb["asr"]["cells"]}
    cells = [{"category": c, "transform": t, **_delta(ca.get((c, t)), cb.get((c, t)))}
             for c, t in sorted(set(ca) | set(cb))]
    sa, sb = _side(a), _side(b)
    notes = []
    if sa["suites"] != sb["suites"]:
        notes.append("the two runs used different suites (or different versions of them)")
    if sa["primary_judge"] != sb["primary_judge"]:
        notes.append("the two runs used different primary judges")
    return {
        "a": sa, "b": sb, "notes": notes,
        "asr": _delta(ma["asr"]["overall"], mb["asr"]["overall"]),
        "over_refusal": _delta(ma["over_refusal"]["overall"], mb["over_refusal"]["overall"]),
        "guard_block": _delta(ma["guard_block"]["overall"], mb["guard_block"]["overall"]),
        "by_transform": _table(ma["asr"]["by_transform"], mb["asr"]["by_transform"], "transform"),
        "by_category": _table(ma["asr"]["by_category"], mb["asr"]["by_category"], "category"),
        "cells": cells,
    }
