"""OpenSanctions' FollowTheMoney entities: JSON Lines, one entity per line (``entities.ftm.json``),
or a JSON array. Only schemata that name a party are kept; addresses, sanctions and other
statement entities are skipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from bastion.diligence.screening.identifiers import canonical
from bastion.diligence.screening.loaders.base import ListFormatError, countries, parse_date, read_text
from bastion.diligence.screening.model import EntityKind, ListEntry

_KINDS: dict[str, EntityKind] = {"Person": "person", "Organization": "organization", "Company": "organization",
                                 "LegalEntity": "unknown", "PublicBody": "organization", "Vessel": "vessel",
                                 "Airplane": "aircraft"}
_ID_PROPS = {"passportNumber": "passport", "idNumber": "national_id", "taxNumber": "tax_id", "vatCode": "tax_id",
             "innCode": "tax_id", "registrationNumber": "registration", "ogrnCode": "registration",
             "imoNumber": "imo", "mmsi": "mmsi"}
_NAME_PROPS = ("name", "alias", "previousName", "weakAlias", "firstName")


def _entity(obj: Any, path: Path, lineno: int, list_id: str) -> ListEntry | None:
    if not isinstance(obj, dict) or "schema" not in obj or "id" not in obj:
        raise ListFormatError(path, lineno, "not a FollowTheMoney entity (needs 'id' and 'schema')")
    kind = _KINDS.get(str(obj["schema"]))
    if kind is None:
        return None
    props = obj.get("properties") or {}
    if not isinstance(props, dict) or any(not isinstance(v, list) for v in props.values()):
        raise ListFormatError(path, lineno, "'properties' must map each property to a list of values")
    names = [str(n) for n in props.get("name", [])] + [str(n) for n in props.get("alias", [])]
    names += [str(n) for n in props.get("previousName", [])]
    if not names:
        raise ListFormatError(path, lineno, f"entity {obj['id']!r} has no name")
    dates = [d for v in props.get("birthDate", []) + props.get("incorporationDate", []) for d in parse_date(str(v))]
    ccs = countries([str(c) for c in props.get("nationality", []) + props.get("country", []) +
                     props.get("citizenship", []) + props.get("jurisdiction", [])])
    datasets = obj.get("datasets") or []
    ids = list(dict.fromkeys((kind_of_id, v) for prop, kind_of_id in _ID_PROPS.items()
                             for raw in props.get(prop, []) if (v := canonical(str(raw), kind_of_id))))
    return ListEntry(list_id, str(obj["id"]), kind, list(dict.fromkeys(names)), dates, ccs,
                     [str(p) for p in props.get("program", []) + props.get("topics", [])] or
                     [str(d) for d in datasets], ids)


def load_ftm(path: Path, list_id: str = "opensanctions") -> list[ListEntry]:
    text = read_text(path)
    out: list[ListEntry] = []
    if text.lstrip().startswith("["):
        try:
            items = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise ListFormatError(path, text.count("\n", 0, exc.pos) + 1, f"malformed JSON: {exc.msg}") from exc
        numbered = [(i + 1, item) for i, item in enumerate(items)]
    else:
        numbered = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                numbered.append((lineno, orjson.loads(line)))
            except orjson.JSONDecodeError as exc:
                raise ListFormatError(path, lineno, f"malformed JSON: {exc.msg}") from exc
    for lineno, obj in numbered:
        entry = _entity(obj, path, lineno, list_id)
        if entry is not None:
            out.append(entry)
    return out
