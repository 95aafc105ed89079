"""Secondary identifiers: parsing birth dates and document numbers (from lists and from queries),
and how an agreeing or conflicting one moves a hit, with both sides named in the explanation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.diligence.screening.identifiers import (
    BirthDate,
    birth_agreement,
    canonical,
    from_ofac_remarks,
    of_kind,
    parse_birth,
)
from bastion.diligence.screening.index import ScreeningIndex
from bastion.diligence.screening.loaders import load_list
from bastion.diligence.screening.loaders.base import parse_date
from bastion.diligence.screening.matcher import Matcher
from bastion.diligence.screening.model import ListEntry, Subject

LIST = [
    ListEntry("t", "P1", "person", ["Ivan Petrovich SIDOROV"], ["1970-03-02"], ["ru"], [],
              [("passport", "7501234567"), ("national_id", "123456789012")]),
    ListEntry("t", "V1", "vessel", ["SEA PHANTOM"], [], ["ir"], [], [("imo", "9187629")]),
    ListEntry("t", "O1", "organization", ["Northwind Dual-Use Trading LLC"], [], ["ae"], [],
              [("registration", "CN1234567")]),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(ScreeningIndex(LIST))


@pytest.mark.parametrize(("text", "expected"), [
    ("1951-06-19", BirthDate(1951, 1951, "1951-06-19", "1951-06")), ("1951-06", BirthDate(1951, 1951, None, "1951-06")),
    ("1951", BirthDate(1951, 1951)), ("1950/1952", BirthDate(1950, 1952)), ("1950..1952", BirthDate(1950, 1952)),
    ("1950 to 1952", BirthDate(1950, 1952)), ("1951-02-30", None), ("1951-13", None), ("1952/1950", None),
    ("circa 1951", None), ("", None)])
def test_parse_birth(text: str, expected: BirthDate | None) -> None:
    assert parse_birth(text) == expected


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_real_date_parses_to_itself(day: dt.date) -> None:
    b = parse_birth(day.isoformat())
    assert b is not None and b.day == day.isoformat() and b.first_year == b.last_year == day.year
    assert str(b) == day.isoformat()
    assert birth_agreement(b, [b]) == "exact"
    assert birth_agreement(parse_birth(str(day.year)) or b, [b]) == "year"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_any_text_is_a_date_or_none(text: str) -> None:
    b = parse_birth(text)
    assert b is None or 1800 <= b.first_year <= b.last_year <= 2100
    for iso in parse_date(text):  # the list-side parser: always ISO, possibly partial
        assert parse_birth(iso) is not None, iso


@settings(max_examples=300, deadline=None)
@given(st.integers(1900, 2020), st.integers(0, 10), st.integers(1900, 2020))
def test_ranges_agree_exactly_when_they_overlap(start: int, width: int, year: int) -> None:
    span = parse_birth(f"{start}/{start + width}")
    assert span is not None
    got = birth_agreement(parse_birth(str(year)) or span, [span])
    if start <= year <= start + width:
        assert got == "year"
    elif year in (start - 1, start + width + 1):
        assert got == "near"
    else:
        assert got == "conflict"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ABCXYZ0123456789 -./", max_size=20))
def test_canonical_numbers_ignore_separators(raw: str) -> None:
    c = canonical(raw)
    if c is not None:
        assert c.isalnum() and c == canonical(c) == canonical(" - ".join(c)) and any(ch.isdigit() for ch in c)


def test_ofac_remarks_yield_identifiers() -> None:
    remarks = ("DOB 19 Jun 1951; POB Giza, Egypt; nationality Egypt; Passport 1084010 (Egypt); alt. Passport "
               "19820215; National ID No. 61101-9618232-1 (Pakistan); Tax ID No. 0101012345 (Russia); "
               "R.F.C. #ABC-580101 (Mexico); Vessel Registration Identification IMO 9187629; MMSI 422023900; "
               "Company Number 01074897 (United Kingdom).")
    assert from_ofac_remarks(remarks) == [
        ("passport", "1084010"), ("passport", "19820215"), ("national_id", "6110196182321"),
        ("tax_id", "0101012345"), ("tax_id", "ABC580101"), ("imo", "9187629"), ("mmsi", "422023900"),
        ("registration", "01074897")]
    assert of_kind("National Identification Number") == "national_id" and of_kind("Numéro de passeport") == "passport"


def test_lists_carry_identifiers(shared_data: Path) -> None:
    sdn = {e.entity_id: e for e in load_list(shared_data / "sanctions" / "ofac-sdn-2021")}
    assert sum(1 for e in sdn.values() if e.identifiers) > 3000
    assert any(k == "imo" for e in sdn.values() if e.kind == "vessel" for k, _ in e.identifiers)
    un = load_list(shared_data / "sanctions" / "un" / "UN_consolidated.xml")
    assert sum(1 for e in un if any(k == "passport" for k, _ in e.identifiers)) > 100


def test_an_agreeing_number_raises_and_a_conflicting_one_lowers(matcher: Matcher) -> None:
    plain = matcher.screen(Subject("Ivan Sidorow", "person")).hits[0]
    same = matcher.screen(Subject("Ivan Sidorow", "person", identifiers=(("passport", "75 0123 4567"),))).hits[0]
    assert same.score > plain.score and same.features["identifier"] == "agree"
    assert "identifier agree (subject passport 7501234567, list passport 7501234567)" in same.explain()
    other = matcher.screen(Subject("Ivan Sidorow", "person", identifiers=(("passport", "7509999999"),)), floor=0.5)
    hit = other.hits[0]
    assert hit.score < plain.score and hit.features["identifier"] == "conflict"
    assert "subject passport 7509999999, list passport 7501234567" in hit.explain()


def test_a_number_the_list_files_under_another_kind_still_agrees(matcher: Matcher) -> None:
    hit = matcher.screen(Subject("Ivan Sidorov", identifiers=(("national_id", "7501234567"),))).hits[0]
    assert hit.features["identifier"] == "agree"


def test_birth_dates_name_both_sides(matcher: Matcher) -> None:
    base = matcher.screen(Subject("Ivan Sidorow", "person")).hits[0].score
    exact = matcher.screen(Subject("Ivan Sidorow", "person", birth_date="1970-03-02")).hits[0]
    year = matcher.screen(Subject("Ivan Sidorow", "person", birth_date="1969/1971")).hits[0]
    near = matcher.screen(Subject("Ivan Sidorow", "person", birth_date="1971")).hits[0]
    far = matcher.screen(Subject("Ivan Sidorow", "person", birth_date="1990"), floor=0.5).hits[0]
    assert exact.score > year.score >= near.score == base > far.score
    assert "birth_date conflict (subject 1990, list 1970-03-02)" in far.explain()
    assert near.features["birth_date"] == "near"


def test_vessel_imo_and_person_against_vessel(matcher: Matcher) -> None:
    same = matcher.screen(Subject("Sea Fantom", "vessel", identifiers=(("imo", "IMO 9187629"),))).hits[0]
    assert same.features["identifier"] == "agree" and same.decision == "block"
    as_person = matcher.screen(Subject("Sea Phantom", "person"), floor=0.5).hits[0]
    assert as_person.features["type"] == "conflict" and "subject person, list vessel" in as_person.explain()
    assert as_person.score < matcher.screen(Subject("Sea Phantom", "vessel")).hits[0].score


def test_company_registration_number(matcher: Matcher) -> None:
    hit = matcher.screen(Subject("Northwind Trading", "organization", "ae",
                                 identifiers=(("registration", "cn-1234567"),))).hits[0]
    assert hit.entity_id == "O1" and hit.features["identifier"] == "agree" and hit.decision == "block"


def test_followthemoney_identifiers(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_bytes(b'{"id":"NK-1","schema":"Person","properties":{"name":["Ivan Sidorov"],'
                     b'"passportNumber":["75 0123 4567"],"taxNumber":["7701-234567"]}}\n'
                     b'{"id":"NK-2","schema":"Vessel","properties":{"name":["Sea Phantom"],'
                     b'"imoNumber":["IMO 9187629"]}}\n')
    people, ship = load_list(path)
    assert people.identifiers == [("passport", "7501234567"), ("tax_id", "7701234567")]
    assert ship.identifiers == [("imo", "9187629")]


def test_facts_never_clear_an_outright_name_match(matcher: Matcher) -> None:
    """A listed name spelt exactly, with another birth date and passport: lowered to review, not
    cleared — a false date of birth must not be a way past screening."""
    hit = matcher.screen(Subject("Ivan Petrovich Sidorov", "person", "us", "1990-01-01",
                                 (("passport", "9999999"),))).hits[0]
    assert hit.decision == "review" and hit.features["birth_date"] == "conflict"
    assert hit.features["identifier"] == "conflict" and hit.name_score >= 0.999
