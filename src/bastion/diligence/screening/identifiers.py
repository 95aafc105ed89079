"""Secondary identifiers: birth dates (a day, a month, a year or a range of years) and document
numbers (passport, national ID, tax ID, company registration, IMO and MMSI numbers), parsed from
list remarks and from what is screened, compared in one canonical form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Kinds a query may name; the lists' many labels map onto these.
KINDS = ("passport", "national_id", "tax_id", "registration", "imo", "mmsi")
# OFAC remark labels ("Passport A1234 (Iran)", "Tax ID No. 123", "R.F.C. #ABC123", "IMO 9187629"),
# longest first so "Diplomatic Passport" is not read as "Passport".
_OFAC_LABELS: tuple[tuple[str, str], ...] = (
    ("Vessel Registration Identification IMO", "imo"), ("Business Registration Document #", "registration"),
    ("Business Registration Number", "registration"), ("Commercial Registry Number", "registration"),
    ("Registration Number", "registration"), ("Registration ID", "registration"), ("Company Number", "registration"),
    ("Trade License No.", "registration"), ("Folio Mercantil No.", "registration"),
    ("Matricula Mercantil No", "registration"), ("C.R. No.", "registration"), ("Diplomatic Passport", "passport"),
    ("Passport", "passport"), ("National ID No.", "national_id"), ("Cedula No.", "national_id"),
    ("C.U.R.P. #", "national_id"), ("Identification Number", "national_id"), ("Personal ID Card", "national_id"),
    ("SSN", "national_id"), ("Electoral Registry No.", "national_id"), ("Tax ID No.", "tax_id"),
    ("R.F.C. #", "tax_id"), ("RFC #", "tax_id"), ("V.A.T. Number", "tax_id"), ("NIT #", "tax_id"),
    ("Italian Fiscal Code", "tax_id"), ("IMO", "imo"), ("MMSI", "mmsi"))
_LABEL_RE = re.compile(r"(?:^|[;.]\s|;)\s*(" + "|".join(re.escape(label) for label, _ in _OFAC_LABELS) +
                       r")\s*(?:No\.\s*|#\s*)?([A-Za-z0-9][A-Za-z0-9\-./ ]*?)\s*(?=\(|;|$|\.\s|\.$|issued|expires|,)")
_KIND_OF = dict(_OFAC_LABELS)
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def canonical(value: str, kind: str = "other") -> str | None:
    """Upper case, separators dropped (for IMO and MMSI numbers, digits only: "IMO 9187629" is
    9187629); None when too short or without a digit to identify anyone."""
    v = _NOT_ALNUM.sub("", value.upper())
    if kind in ("imo", "mmsi"):
        v = "".join(ch for ch in v if ch.isdigit())
    return v if len(v) >= 4 and any(ch.isdigit() for ch in v) else None


def from_ofac_remarks(remarks: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for m in _LABEL_RE.finditer(remarks):
        value = canonical(m.group(2))
        pair = (_KIND_OF[m.group(1)], value) if value else None
        if pair and pair not in out:
            out.append(pair)
    return out


# CSL ``ids`` labels that are not documents even though a word in them looks like one
# ("Transactions Prohibited For Persons Owned or Controlled By U.S. Financial Institutions:").
_CSL_NOT_DOCUMENTS = ("sanctions", "directive", "prohibited", "email", "website", "swift", "gender", "phone")


def from_csl_ids(text: str) -> list[tuple[str, str]]:
    """The Consolidated Screening List's ``ids`` column: items joined by ``;``, each the label, the
    value and the issuing country, written ``Label, value, country`` in current exports ("Passport,
    U00242309, TR; Gender, Male") and ``country, value, Label`` in older ones ("US, 80-0890696, Tax
    ID No."). Items that name no document kind (gender, e-mail, sanctions notes) or whose value has
    no digit are left out."""
    out: list[tuple[str, str]] = []
    for item in text.split(";"):
        parts = [p.strip() for p in item.split(",")]
        if len(parts) < 2 or any(w in item.lower() for w in _CSL_NOT_DOCUMENTS):
            continue
        for label, value in ((parts[0], parts[1]), (parts[-1], parts[-2])):
            kind = of_kind(label.lower().replace(".", ""))  # "V.A.T. Number"
            if kind == "other":
                continue
            if value.upper().startswith("IMO "):  # "IMO 8898831, Vessel Registration Identification"
                kind = "imo"
            canon = canonical(value, kind)
            if canon:
                if (kind, canon) not in out:
                    out.append((kind, canon))
                break
    return out


def of_kind(label: str) -> str:
    """A document-type label (UN's "National Identification Number", FtM's ``passportNumber``, a
    query's ``passport``) as one of ``KINDS``; ``other`` when it is none of them."""
    low = label.lower().replace("_", " ")
    for kind, words in (("passport", ("passport", "pasaporte", "passeport")),
                        ("imo", ("imo",)), ("mmsi", ("mmsi",)),
                        ("tax_id", ("tax", "vat", "inn", "fiscal", "rfc")),
                        ("registration", ("registration", "company", "ogrn", "registry", "license")),
                        ("national_id", ("national", "identification", "id number", "idnumber", "cedula", "ssn"))):
        if any(w in low for w in words):
            return kind
    return "other"


# -- birth dates -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A birth date as far as it is known: the years it may fall in and, when known, the day."""

    first_year: int
    last_year: int
    day: str | None = None  # "YYYY-MM-DD" when the full date is known
    month: str | None = None  # "YYYY-MM" when the month is known

    def __str__(self) -> str:
        if self.day or self.month:
            return str(self.day or self.month)
        return str(self.first_year) if self.first_year == self.last_year else f"{self.first_year}/{self.last_year}"


BIRTH_DATE_FORMS = "YYYY-MM-DD, YYYY-MM, YYYY or a range of years YYYY/YYYY"
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_RANGE = re.compile(r"^(\d{4})\s*(?:/|\.\.|-|–| to )\s*(\d{4})$")


@lru_cache(maxsize=1 << 16)
def parse_birth(text: str) -> BirthDate | None:
    """``1951-06-19``, ``1951-06``, ``1951``, or a range ``1950/1952`` (also ``1950..1952``,
    ``1950 to 1952``). None for anything else, or for an impossible date."""
    t = text.strip()
    m = _RANGE.match(t)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        return BirthDate(a, b) if 1800 <= a <= b <= 2100 and b - a <= 30 else None
    m = _ISO.match(t)
    if not m:
        return None
    year = int(m.group(1))
    if not 1800 <= year <= 2100:
        return None
    month, day = m.group(2), m.group(3)
    if month and not 1 <= int(month) <= 12:
        return None
    if day and not 1 <= int(day) <= _days(year, int(month)):
        return None
    return BirthDate(year, year, f"{year}-{month}-{day}" if day else None, f"{year}-{month}" if month else None)


def _days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def birth_agreement(subject: BirthDate, listed: list[BirthDate]) -> str:
    """``exact`` (same day), ``year`` (the years overlap), ``near`` (a year apart, as lists often
    are), ``conflict`` (further apart, or the same year but another day), or ``unknown``."""
    if not listed:
        return "unknown"
    best = "conflict"
    for d in listed:
        if subject.day and d.day:
            if subject.day == d.day:
                return "exact"
            if subject.first_year == d.first_year:
                best = "near"  # the same year, another day: too common a list error to count against
            continue
        if subject.first_year <= d.last_year and d.first_year <= subject.last_year:
            if subject.month and d.month and subject.month != d.month:
                continue
            best = "year"
        elif best == "conflict" and (abs(subject.first_year - d.last_year) <= 1
                                     or abs(d.first_year - subject.last_year) <= 1):
            best = "near"
    return best
