"""The US Consolidated Screening List (trade.gov) CSV, and BIS's Denied Persons List TSV."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from bastion.diligence.screening.loaders.base import ListFormatError, countries, parse_date, read_text
from bastion.diligence.screening.model import EntityKind, ListEntry

_KINDS: dict[str, EntityKind] = {"individual": "person", "entity": "organization", "vessel": "vessel",
                                 "aircraft": "aircraft"}


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.replace("|", ";").split(";") if v.strip()]


def load_csl(path: Path, list_id: str = "csl") -> list[ListEntry]:
    reader = csv.DictReader(io.StringIO(read_text(path)))
    header = reader.fieldnames or []
    if "name" not in header or "source" not in header:
        raise ListFormatError(path, 1, "not a Consolidated Screening List CSV: the header needs 'name' and 'source'")
    out: list[ListEntry] = []
    for row in reader:
        lineno = reader.line_num
        if None in row or any(v is None for v in row.values()):
            raise ListFormatError(path, lineno, f"expected {len(header)} fields")
        name = (row.get("name") or "").strip()
        if not name:
            raise ListFormatError(path, lineno, "empty name")
        kind = _KINDS.get((row.get("type") or "").strip().lower(), "unknown")
        ident = (row.get("_id") or row.get("entity_number") or "").strip()
        if not ident:
            ident = hashlib.sha256(f"{row.get('source')}|{name}".encode()).hexdigest()[:16]
        address_countries = [a.rsplit(",", 1)[-1] for a in _split(row.get("addresses") or "")]
        nats = _split(row.get("nationalities") or "") + _split(row.get("citizenships") or "")
        out.append(ListEntry(list_id, ident, kind, [name, *_split(row.get("alt_names") or "")],
                             [d for v in _split(row.get("dates_of_birth") or "") for d in parse_date(v)],
                             countries(nats + address_countries),
                             [p for p in [(row.get("source") or "").strip(), *_split(row.get("programs") or "")] if p]))
    return out


def load_dpl(path: Path, list_id: str = "bis-dpl") -> list[ListEntry]:
    reader = csv.DictReader(io.StringIO(read_text(path)), delimiter="\t")
    header = reader.fieldnames or []
    if "Name" not in header:
        raise ListFormatError(path, 1, "not a Denied Persons List file: the header needs 'Name'")
    out: list[ListEntry] = []
    for row in reader:
        lineno = reader.line_num
        if None in row or any(v is None for v in row.values()):
            raise ListFormatError(path, lineno, f"expected {len(header)} fields")
        name = (row["Name"] or "").strip()
        if not name:
            raise ListFormatError(path, lineno, "empty name")
        ident = hashlib.sha256(f"{name}|{row.get('Effective_Date')}".encode()).hexdigest()[:16]
        out.append(ListEntry(list_id, ident, "unknown", [name], [], countries([row.get("Country") or ""]),
                             ["BIS-DPL"]))
    return out
