"""List adapters on the real sample files, on broken copies, and on random bytes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.diligence.screening.loaders import ListFormatError, detect_format, load_list, load_lists


def sanctions(shared_data: Path) -> Path:
    return shared_data / "sanctions"


def test_ofac_sdn_with_aliases_addresses_birth_dates(shared_data: Path) -> None:
    entries = load_list(sanctions(shared_data) / "ofac-sdn-2021")
    assert len(entries) == 8976
    by_id = {e.entity_id: e for e in entries}
    bnc = by_id["306"]
    assert bnc.kind == "organization" and bnc.names[0] == "BANCO NACIONAL DE CUBA"
    assert "NATIONAL BANK OF CUBA" in bnc.names and "ch" in bnc.countries and bnc.programs == ["CUBA"]
    zawahiri = by_id["2676"]
    assert zawahiri.kind == "person" and zawahiri.names[0] == "Dr. Ayman AL ZAWAHIRI"  # LAST, First reordered
    assert zawahiri.birth_dates == ["1951-06-19"]
    # every alias attached: the alias file's 11,910 lines and 2,421 a.k.a. names given only in remarks
    assert sum(len(e.names) - 1 for e in entries) == 11910 + 2421
    assert bnc.names[1] == "BNC"  # remarks: "a.k.a. 'BNC'."
    kinds = {e.kind for e in entries}
    assert kinds == {"person", "organization", "vessel", "aircraft"}


def test_ofac_consolidated_with_dos_eof(shared_data: Path) -> None:
    entries = load_list(sanctions(shared_data) / "ofac-cons")
    assert len(entries) == 442 and all(e.list_id == "ofac-cons" for e in entries)
    assert sum(e.kind == "person" for e in entries) == 79


def test_un_consolidated_xml(shared_data: Path) -> None:
    entries = load_list(sanctions(shared_data) / "un" / "UN_consolidated.xml")
    assert len(entries) == 1003
    assert sum(e.kind == "person" for e in entries) == 730
    badege = next(e for e in entries if e.entity_id == "CDi.001")
    assert badege.names[0] == "ERIC BADEGE" and badege.birth_dates == ["1971"] and "cd" in badege.countries


def test_csl_and_dpl(shared_data: Path) -> None:
    csl = load_list(sanctions(shared_data) / "csl-us" / "csl.csv")
    assert len(csl) == 115 and any("Entity List" in p for e in csl for p in e.programs)
    sample = load_list(sanctions(shared_data) / "csl-us" / "consolidated.csv")
    assert len(sample) == 13 and sample[0].entity_id.startswith("233a4d72")
    dpl = load_list(sanctions(shared_data) / "bis-dpl" / "dpl.txt")
    assert len(dpl) == 581 and dpl[1].names == ["AARON ABRAHAM VILLA"]


FTM = (b'{"id":"NK-1","schema":"Person","properties":{"name":["Ivan Petrovich Sidorov"],"alias":["Ivan Sidorov"],'
       b'"birthDate":["1970-03-02"],"nationality":["ru"]},"datasets":["test"]}\n'
       b'{"id":"NK-2","schema":"Company","properties":{"name":["Northwind Dual-Use Trading LLC"],'
       b'"country":["ir"]},"datasets":["test"]}\n'
       b'{"id":"addr-1","schema":"Address","properties":{"full":["somewhere"]}}\n')


def test_followthemoney_lines(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_bytes(FTM)
    assert detect_format(path) == "ftm"
    entries = load_list(path)
    assert [e.entity_id for e in entries] == ["NK-1", "NK-2"]  # the Address entity names nobody
    assert entries[0].birth_dates == ["1970-03-02"] and entries[0].countries == ["ru"]
    assert entries[1].kind == "organization" and entries[1].countries == ["ir"]


@pytest.mark.parametrize(("name", "mangle", "where"), [
    ("sdn.csv", lambda b: b.replace(b'\n173,"ANGLO-CARIBBEAN CO., LTD.",', b'\n173,"ANGLO-CARIBBEAN', 1), "sdn.csv:2"),
    ("alt.csv", lambda b: b.rstrip(b"\x1a") + b'999999999,1,"aka","GHOST",-0- \n', "alt.csv:11911: alias for unknown"),
    ("sdn.csv", lambda b: b.replace(b"\n173,", b"\nABC,", 1), "sdn.csv:2: entity number"),
])
def test_broken_ofac_files_name_file_and_line(shared_data: Path, tmp_path: Path, name: str, mangle: object,
                                              where: str) -> None:
    folder = tmp_path / "sdn"
    shutil.copytree(sanctions(shared_data) / "ofac-sdn-2021", folder)
    target = folder / name
    target.write_bytes(mangle(target.read_bytes()))  # type: ignore[operator]
    with pytest.raises(ListFormatError) as err:
        load_list(folder)
    assert where in str(err.value)


def test_truncated_un_xml_and_bad_json_lines(shared_data: Path, tmp_path: Path) -> None:
    xml = (sanctions(shared_data) / "un" / "UN_consolidated.xml").read_bytes()
    cut = tmp_path / "un.xml"
    cut.write_bytes(xml[: len(xml) // 2])
    with pytest.raises(ListFormatError, match=r"un\.xml:\d+: malformed XML"):
        load_list(cut)
    bad = tmp_path / "bad.ftm.json"
    bad.write_bytes(FTM + b'{"id": "NK-3", "schema": "Person", "properties": {"name": ["x"]\n')
    with pytest.raises(ListFormatError, match=r"bad\.ftm\.json:4: malformed JSON"):
        load_list(bad)
    nameless = tmp_path / "nameless.ftm.json"
    nameless.write_bytes(b'{"id":"X","schema":"Person","properties":{}}\n')
    with pytest.raises(ListFormatError, match="has no name"):
        load_list(nameless)


def test_xml_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    "<CONSOLIDATED_LIST>&b;</CONSOLIDATED_LIST>")
    with pytest.raises(ListFormatError, match="refused XML construct"):
        load_list(bomb)


def test_no_partial_load(shared_data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.csv"
    bad.write_text("source,name,type\nSDN,Somebody\n")
    with pytest.raises(ListFormatError, match=r"broken\.csv:2"):
        load_lists([sanctions(shared_data) / "ofac-cons", bad])
    with pytest.raises(ListFormatError, match="no such file"):
        load_list(tmp_path / "missing.csv")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".csv", ".xml", ".json", ".txt"]))
def test_parsers_fail_only_with_list_format_error(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        entries = load_list(path)
    except ListFormatError as exc:
        assert str(path) in str(exc)
    else:
        assert all(e.names and all(isinstance(n, str) for n in e.names) for e in entries)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
                              min_size=1, max_size=14), max_size=6))
def test_ofac_csv_fuzz(tmp_path: Path, rows: list[list[str]]) -> None:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    (tmp_path / "sdn.csv").write_text(buf.getvalue())
    try:
        entries = load_list(tmp_path / "sdn.csv")
    except ListFormatError as exc:
        assert "sdn.csv" in str(exc)
    else:
        assert len(entries) <= len(rows)
