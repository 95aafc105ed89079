"""OFAC's legacy CSV lists (SDN and the consolidated non-SDN list): a primary file, aliases and
addresses, no header, ``-0-`` for empty. Individuals are written ``LAST, First``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from bastion.diligence.screening.identifiers import from_ofac_remarks
from bastion.diligence.screening.loaders.base import ListFormatError, countries, parse_date, read_text
from bastion.diligence.screening.model import EntityKind, ListEntry

_KINDS: dict[str, EntityKind] = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft", "": "organization"}
_DOB = re.compile(r"\bDOB ([^;]+)")
_NATIONALITY = re.compile(r"\b(?:nationality|citizen|Nationality of Registration)[: ]+([A-Za-z ,.'-]+?)(?:;|\.|$)")
# Remarks give some other names only there: "a.k.a. 'BNC'", "f.k.a. 'ZAO ...'".
_REMARK_AKA = re.compile(r"\b(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.),? '([^']{2,})'")
_FILES = {"sdn.csv": ("alt.csv", "add.csv", "ofac-sdn"), "cons_prim.csv": ("cons_alt.csv", "cons_add.csv", "ofac-cons")}


def _rows(path: Path, width: int) -> list[tuple[int, list[str]]]:
    out = []
    for lineno, row in enumerate(csv.reader(io.StringIO(read_text(path))), start=1):
        if not row or row == [""]:
            continue
        if len(row) != width:
            raise ListFormatError(path, lineno, f"expected {width} fields, found {len(row)}")
        out.append((lineno, [_empty(v) for v in row]))
    return out


def _empty(value: str) -> str:
    v = value.strip()
    return "" if v == "-0-" else v


def _surname(name: str) -> str | None:
    """The surname OFAC marks: the part before the comma of ``LAST, First``, or else the words in
    capitals of a name that mixes cases (``Abu Mahdi AL-MUHANDIS``)."""
    last, sep, first = name.partition(",")
    if sep and first.strip() and last.strip():
        return last.strip()
    words = name.split()
    upper = [w for w in words if w.isupper() and len(w) > 1]
    return " ".join(upper) if upper and len(upper) < len(words) else None


def _add_surname(entry: ListEntry, name: str) -> None:
    s = _surname(name)
    if s and s not in entry.surnames:
        entry.surnames.append(s)


def _person_name(name: str) -> str:
    last, sep, first = name.partition(",")
    return f"{first.strip()} {last.strip()}" if sep and first.strip() else name


def _linked(path: Path, width: int, entries: dict[str, ListEntry],
            what: str) -> Iterator[tuple[ListEntry, list[str]]]:
    """Rows of an alias or address file (if present), each with the entry it belongs to."""
    if not path.exists():
        return
    for lineno, row in _rows(path, width):
        entry = entries.get(row[0])
        if entry is None:
            raise ListFormatError(path, lineno, f"{what} for unknown entity {row[0]!r}")
        yield entry, row


def load_ofac(primary: Path, list_id: str | None = None) -> list[ListEntry]:
    """Load ``sdn.csv`` (or ``cons_prim.csv``) with its ``alt`` and ``add`` files beside it."""
    alt_name, add_name, default_id = _FILES.get(primary.name, ("alt.csv", "add.csv", "ofac-sdn"))
    entries: dict[str, ListEntry] = {}
    for lineno, row in _rows(primary, 12):
        ent, name, kind_raw, program, _title, *_rest, remarks = row
        if not ent.isdigit():
            raise ListFormatError(primary, lineno, f"entity number {ent!r} is not a number")
        if not name:
            raise ListFormatError(primary, lineno, "empty name")
        kind_key = kind_raw.lower()
        if kind_key not in _KINDS:
            raise ListFormatError(primary, lineno, f"unknown SDN type {kind_raw!r}")
        kind = _KINDS[kind_key]
        dobs = [d for m in _DOB.findall(remarks) for d in parse_date(m)]
        nats = countries(_NATIONALITY.findall(remarks))
        names = [_person_name(name) if kind == "person" else name]
        names += [a for a in _REMARK_AKA.findall(remarks) if a not in names]
        entries[ent] = ListEntry(list_id or default_id, ent, kind, names,
                                 dobs, nats, [p.strip() for p in program.split("]") if p.strip(" [")],
                                 from_ofac_remarks(remarks))
        if kind == "person":
            _add_surname(entries[ent], name)
    for entry, row in _linked(primary.with_name(alt_name), 5, entries, "alias"):
        if row[3]:
            entry.names.append(_person_name(row[3]) if entry.kind == "person" else row[3])
            if entry.kind == "person":
                _add_surname(entry, row[3])
    for entry, row in _linked(primary.with_name(add_name), 6, entries, "address"):
        for code in countries([row[4]]):
            if code not in entry.countries:
                entry.countries.append(code)
    return list(entries.values())
