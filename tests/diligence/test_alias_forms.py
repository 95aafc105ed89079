"""Alias forms the lists and the people screened use: a.k.a. and bracketed acronyms, initials,
honorifics, patronymic order, joined articles, Arabic and Persian names romanised with other
vowels, Korean given names in McCune-Reischauer (or Wade-Giles-like) and Revised Romanisation."""

from __future__ import annotations

import pytest

from bastion.diligence.screening.index import ScreeningIndex
from bastion.diligence.screening.matcher import Matcher, korean_key, token_similarity
from bastion.diligence.screening.model import ListEntry, Subject
from bastion.diligence.screening.names import name_forms

LIST = [
    ListEntry("t", "K1", "person", ["KIM Jung Jong"], [], ["kp"]),
    ListEntry("t", "K2", "person", ["RI Kyong Hui"], [], ["kp"]),
    ListEntry("t", "A1", "person", ["Wahid Mahmud SUBAYTI"], [], ["lb"]),
    ListEntry("t", "A2", "person", ["Khamis QADHAFI"], [], ["ly"]),
    ListEntry("t", "A3", "person", ["Abd-al-Majid AZIZ AL-ZINDANI"], [], ["ye"]),
    ListEntry("t", "R1", "person", ["Igor Olegovich SECHIN"], [], ["ru"]),
    ListEntry("t", "O1", "organization", ["HILAL AHMAR SOCIETY INDONESIA (HASI)"], [], ["id"]),
    ListEntry("t", "O2", "organization", ["OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU TRANSOIL"], [], ["ru"]),
    ListEntry("t", "O3", "organization", ["BANCO NACIONAL DE CUBA", "BNC"], [], ["cu"]),
    ListEntry("t", "P9", "person", ["Maria GARCIA LOPEZ"], [], ["mx"]),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(ScreeningIndex(LIST))


@pytest.mark.parametrize(("query", "kind", "expected"), [
    ("Kim Chung Chong", "person", "K1"),  # McCune-Reischauer: ch for j
    ("Ri Kyong-hui", "person", "K2"),
    ("Lee Gyeong Hui", "person", "K2"),  # Revised Romanisation, and Ri written Lee
    ("Waheed Mahmoud SBEITY", "person", "A1"),  # the same consonants, other vowels
    ("Khamis Elkaddafi", "person", "A2"),  # the article joined, dh written dd
    ("Sheikh Abd al-Meguid al-Zandani", "person", "A3"),  # honorific, Egyptian g for j
    ("SECHIN, Igor Olegovich", "person", "R1"),  # surname first
    ("Sechin Igor", "person", "R1"),  # patronymic left out, order changed
    ("I. O. Sechin", "person", "R1"),  # initials
    ("HASI", "organization", "O1"),  # the list's own acronym, given in brackets
    ("Transoil", "organization", "O2"),  # Russian legal form, misspelt by the list, removed
    ("Gulf Trading a.k.a. Banco Nacional de Cuba", "organization", "O3"),  # one of the names a.k.a.
])
def test_alias_forms_find_their_entry(matcher: Matcher, query: str, kind: str, expected: str) -> None:
    result = matcher.screen(Subject(query, kind))  # type: ignore[arg-type]
    assert result.decision != "clear" and result.hits[0].entity_id == expected, [h.explain() for h in result.hits]


@pytest.mark.parametrize("query", ["Kim Chung Ho", "Maria Garcia Perez", "Hilal Bakery", "Khamis Elkadiri"])
def test_near_forms_of_other_names_stay_clear(matcher: Matcher, query: str) -> None:
    result = matcher.screen(Subject(query, "person" if "Bakery" not in query else "organization"))
    assert result.decision == "clear", [h.explain() for h in result.hits]


def test_name_forms() -> None:
    assert name_forms("John SMITH a.k.a. Johnny Smith") == ["John SMITH", "Johnny Smith"]
    assert name_forms("Hilal Ahmar Society (HASI)") == ["Hilal Ahmar Society (HASI)", "Hilal Ahmar Society", "HASI"]
    assert name_forms("Ahmad (Ahmed) Ali")[1:] == ["Ahmad   Ali"]  # a bracketed word alone is not a name
    assert name_forms("X TRADING / Y SHIPPING") == ["X TRADING", "Y SHIPPING"]


def test_korean_and_article_rules() -> None:
    assert korean_key("chong") == korean_key("jong") == korean_key("jeong")
    assert korean_key("kyong") == korean_key("gyeong") and korean_key("pyong") == korean_key("byeong")
    assert token_similarity("chung", "jung", korean=True) > 0.9 > token_similarity("chung", "jung")
    assert token_similarity("elkaddafi", "qadhafi") > 0.9
    assert token_similarity("sbeity", "subayti") >= 0.85 and token_similarity("sato", "siti") < 0.6


def test_chinese_romanisations() -> None:
    m = Matcher(ScreeningIndex([ListEntry("t", "C1", "person", ["Wang Ken HUANG"]),
                                ListEntry("t", "C2", "person", ["HSU Chih-tung"])]))
    assert m.screen(Subject("Huang Wang-gen", "person")).hits[0].entity_id == "C1"
    assert m.screen(Subject("Xu Zhidong", "person")).hits[0].entity_id == "C2"  # pinyin for Wade-Giles
    assert m.screen(Subject("Xu Zhiming", "person")).decision == "clear"


def test_words_run_together_split_where_the_case_changes() -> None:
    m = Matcher(ScreeningIndex([ListEntry("t", "O9", "organization", ["SAKUNDA HOLDINGS"]),
                                ListEntry("t", "O8", "organization", ["SABA STEEL COMPANY"])]))
    assert m.screen(Subject("SAKUNDAholdings", "organization")).hits[0].entity_id == "O9"
    assert m.screen(Subject("SabaSteel Co", "organization")).hits[0].entity_id == "O8"
