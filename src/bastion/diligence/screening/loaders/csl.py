"""The US Consolidated Screening List (trade.gov) CSV, and BIS's Denied Persons List TSV."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

from bastion.diligence.screening.identifiers import from_csl_ids
from bastion.diligence.screening.loaders.base import ListFormatError, countries, parse_date, read_text
from bastion.diligence.screening.model import EntityKind, ListEntry

_KINDS: dict[str, EntityKind] = {"individual": "person", "entity": "organization", "vessel": "vessel",
                                 "aircraft": "aircraft"}


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.replace("|", ";").split(";") if v.strip()]


def _records(path: Path, delimiter: str, name_column: str, needs: tuple[str, ...],
             what: str) -> Iterator[tuple[dict[str, str], str]]:
    """Rows of a CSV/TSV list with a header, each with its (non-empty) name."""
    reader = csv.DictReader(io.StringIO(read_text(path)), delimiter=delimiter)
    header = reader.fieldnames or []
    if any(col not in header for col in needs):
        raise ListFormatError(path, 1, f"not a {what}: the header needs {', '.join(repr(c) for c in needs)}")
    for row in reader:
        if None in row or any(v is None for v in row.values()):
            raise ListFormatError(path, reader.line_num, f"expected {len(header)} fields")
        name = (row.get(name_column) or "").strip()
        if not name:
            raise ListFormatError(path, reader.line_num, "empty name")
        yield row, name


def load_csl(path: Path, list_id: str = "csl") -> list[ListEntry]:
    out: list[ListEntry] = []
    for row, name in _records(path, ",", "name", ("name", "source"), "Consolidated Screening List CSV"):
        kind = _KINDS.get((row.get("type") or "").strip().lower(), "unknown")
        ident = (row.get("_id") or row.get("entity_number") or "").strip()
        if not ident:
            ident = hashlib.sha256(f"{row.get('source')}|{name}".encode()).hexdigest()[:16]
        address_countries = [a.rsplit(",", 1)[-1] for a in _split(row.get("addresses") or "")]
        nats = _split(row.get("nationalities") or "") + _split(row.get("citizenships") or "")
        out.append(ListEntry(list_id, ident, kind, [name, *_split(row.get("alt_names") or "")],
                             [d for v in _split(row.get("dates_of_birth") or "") for d in parse_date(v)],
                             countries(nats + address_countries),
                             [p for p in [(row.get("source") or "").strip(), *_split(row.get("programs") or "")] if p],
                             from_csl_ids(row.get("ids") or "")))
    return out


def load_dpl(path: Path, list_id: str = "bis-dpl") -> list[ListEntry]:
    out: list[ListEntry] = []
    for row, name in _records(path, "\t", "Name", ("Name",), "Denied Persons List file"):
        ident = hashlib.sha256(f"{name}|{row.get('Effective_Date')}".encode()).hexdigest()[:16]
        out.append(ListEntry(list_id, ident, "unknown", [name], [], countries([row.get("Country") or ""]),
                             ["BIS-DPL"]))
    return out
