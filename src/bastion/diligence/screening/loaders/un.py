"""The UN Security Council consolidated list (XML). Parsed with ``defusedxml``: list files come
from outside, and entity-expansion tricks must not reach the parser."""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from bastion.diligence.screening.identifiers import canonical, of_kind
from bastion.diligence.screening.loaders.base import ListFormatError, countries, parse_date
from bastion.diligence.screening.model import ListEntry

_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def _text(el: Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _aliases(el: Element, tag: str) -> list[str]:
    out = []
    for alias in el.findall(tag):
        name = _text(alias.find("ALIAS_NAME"))
        # "Low" quality aliases are too vague to screen on (the UN's own guidance): skip them.
        if name and _text(alias.find("QUALITY")).lower() != "low":
            out.append(name)
    return out


def _dates(el: Element) -> list[str]:
    out: list[str] = []
    for dob in el.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        if _text(dob.find("DATE")):
            out += parse_date(_text(dob.find("DATE")))
        elif _text(dob.find("YEAR")):
            out += parse_date(_text(dob.find("YEAR")))
        elif _text(dob.find("FROM_YEAR")) and _text(dob.find("TO_YEAR")):
            out += parse_date(f"{_text(dob.find('FROM_YEAR'))} to {_text(dob.find('TO_YEAR'))}")
    return out


def _documents(el: Element) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for doc in el.findall("INDIVIDUAL_DOCUMENT"):
        value = canonical(_text(doc.find("NUMBER")))
        pair = (of_kind(_text(doc.find("TYPE_OF_DOCUMENT"))), value) if value else None
        if pair and pair not in out:
            out.append(pair)
    return out


def load_un(path: Path, list_id: str = "un") -> list[ListEntry]:
    try:
        root = SafeET.parse(str(path)).getroot()
    except ParseError as exc:
        raise ListFormatError(path, exc.position[0], f"malformed XML: {exc}") from exc
    except DefusedXmlException as exc:
        raise ListFormatError(path, None, f"refused XML construct: {exc}") from exc
    except OSError as exc:
        raise ListFormatError(path, None, f"cannot read: {exc}") from exc
    if root.tag != "CONSOLIDATED_LIST":
        raise ListFormatError(path, 1, f"not a UN consolidated list: root element is <{root.tag}>")
    out: list[ListEntry] = []
    for tag, kind in (("INDIVIDUALS/INDIVIDUAL", "person"), ("ENTITIES/ENTITY", "organization")):
        for el in root.findall(tag):
            ident = _text(el.find("REFERENCE_NUMBER")) or _text(el.find("DATAID"))
            name = " ".join(p for p in (_text(el.find(t)) for t in _NAME_PARTS) if p)
            if not ident or not name:
                raise ListFormatError(path, None, f"<{tag.split('/')[1]}> without a reference number or name "
                                      f"(DATAID {_text(el.find('DATAID')) or '?'})")
            names = [name]
            original = _text(el.find("NAME_ORIGINAL_SCRIPT"))
            if original:
                names.append(original)
            alias_tag = "INDIVIDUAL_ALIAS" if kind == "person" else "ENTITY_ALIAS"
            names += _aliases(el, alias_tag)
            nat = [_text(v) for v in el.findall("NATIONALITY/VALUE")]
            addr = [_text(c) for c in el.findall("INDIVIDUAL_ADDRESS/COUNTRY") + el.findall("ENTITY_ADDRESS/COUNTRY")]
            out.append(ListEntry(list_id, ident, "person" if kind == "person" else "organization", names,
                                 _dates(el), countries(nat + addr), [_text(el.find("UN_LIST_TYPE"))],
                                 _documents(el)))
    return out
