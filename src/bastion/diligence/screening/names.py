"""Name normalisation: every script to lower-case ASCII tokens, legal forms and honorifics removed.

The same function runs on list names (at index time) and on the subject (at query time), so both
sides meet in one form. Transliteration uses ``anyascii`` (every script, pinyin for Han); Japanese
kana and kanji are also read with ``pykakasi``, so a kanji name yields two renderings and the better
one wins. Legal forms ("LLC", "OOO", "GmbH", "Limited liability company"...) and person prefixes
come from ``rigour``, OpenSanctions' name library.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii
from rigour.names import remove_org_types, remove_person_prefixes

from bastion.diligence.screening.model import EntityKind

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_HAN_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_ABJAD = re.compile(r"[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f]")  # Hebrew, Arabic: vowels mostly unwritten
_LEGAL_EXTRA = re.compile(
    r"\b(corporation|corp|company|co|incorporated|inc|limited|ltd|llc|plc|group|holding|holdings|the|and|of|"
    r"obshchestvo|ogranichennoi|ogranichennoy|otvetstvennostyu|otvetstvennostiu|aktsionernoe|otkrytoe|zakrytoe|"
    r"publichnoe|obshchestva|aktsionernogo|otkrytogo|zakrytogo|publichnogo|dochernee|organichennoi|"
    r"sherkat|sahami|khass|unitary|subsidiary|tovarystvo|obmezhenoyu|vidpovidalnistyu|joint|stock|sal|fzco|fze|fzc|jsc|ojsc|cjsc|pjsc|ooo|oao|zao|pao|tov|ao|sa|ag|gmbh|bv|nv|spa|srl|sarl|sdn|bhd|pte|pvt)\b")

# Titles written before a person's name that ``rigour`` leaves in place.
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "he", "eng", "engineer", "sheikh",
                        "shaykh", "shaikh", "sheik", "haji", "hajji", "hadji", "mullah", "mulla", "maulana",
                        "mawlawi", "maulvi", "general", "gen", "colonel", "col", "major", "brigadier", "captain"})
# Common particles and honorifics in listed names: kept for display, weighted low when matching.
# Written abbreviations of given names, read as the name.
ABBREVIATIONS = {"mohd": "mohammed", "muhd": "muhammad", "intl": "international", "natl": "national",
                 "assn": "association", "mfg": "manufacturing", "bros": "brothers", "dept": "department",
                 "org": "organization", "orgn": "organization", "inst": "institute", "univ": "university"}
ARTICLES = frozenset({"al", "el", "ul", "az", "as", "ad", "ar", "at", "an", "ash", "adh", "ath"})  # al- assimilated
PARTICLES = ARTICLES | frozenset({"bin", "ibn", "bint", "abu", "abd", "van", "von", "der", "de", "da", "di",
                       "del", "la", "le", "dos", "das", "mr", "mrs", "ms", "dr", "haji", "hajji", "sheikh",
                       "shaykh", "mullah", "maulana", "mawlawi", "general", "colonel"})


@lru_cache(maxsize=4096)
def _kakasi_reading(text: str) -> str | None:
    try:
        import pykakasi
    except ImportError:  # optional: without it kanji are read as Chinese only
        return None
    converter = pykakasi.kakasi()  # type: ignore[no-untyped-call]
    return " ".join(str(part["hepburn"]) for part in converter.convert(text))


# Korean names are romanised two ways: Revised Romanisation (what anyascii writes: "Gim Jeong Eun") and
# the older, still usual spellings ("Kim Jong Un", "Park", "Lee"). These rules give the second.
_KOREAN_SURNAMES = {"gim": "kim", "i": "lee", "ri": "lee", "bak": "park", "bag": "park", "jeong": "jung",
                    "choe": "choi",
                    "jo": "cho", "gang": "kang", "yun": "yoon", "im": "lim", "han": "han", "sin": "shin",
                    "o": "oh", "seo": "suh", "gwon": "kwon", "hwang": "hwang", "song": "song", "ryu": "ryu"}
_KOREAN_SOUNDS = (("eo", "u"), ("eu", "u"))
_KOREAN_INITIALS = {"g": "k", "d": "t", "b": "p"}


def _korean_reading(syllables: list[str]) -> str:
    out = []
    for i, syl in enumerate(s.lower() for s in syllables):
        if i == 0 and syl in _KOREAN_SURNAMES:
            out.append(_KOREAN_SURNAMES[syl])
            continue
        for a, b in _KOREAN_SOUNDS:
            syl = syl.replace(a, b)
        if i == 0 and syl[:1] in _KOREAN_INITIALS:
            syl = _KOREAN_INITIALS[syl[0]] + syl[1:]
        out.append(syl)
    return " ".join(out)


def renderings(raw: str) -> list[str]:
    """ASCII renderings of a name: one, or two for Han/kana text (Chinese and Japanese readings)
    and for Hangul (Revised Romanisation and the usual older spellings)."""
    text = unicodedata.normalize("NFKC", raw)
    if _HAN_KANA.search(text) or _HANGUL.search(text):  # one token per Han or Hangul syllable
        out = [" ".join("".join(f" {anyascii(ch)} " if _HAN_KANA.match(ch) or _HANGUL.match(ch) else ch
                                for ch in text).split())]
    else:
        out = [anyascii(text)]
    if _HANGUL.search(text):
        out.append(_korean_reading(out[0].split()))
    if _HAN_KANA.search(text):
        japanese = _kakasi_reading(text)
        if japanese and (_KANA.search(text) or japanese not in out):
            out.append(japanese)
    return out


def is_abjad(raw: str) -> bool:
    return _ABJAD.search(raw) is not None


# Two words run together show where they meet when the case changes: "SabaSteel", "ANCHORlimited".
_CASE_JOIN = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])|(?<=[A-Z]{2})(?=[a-z]{3})")


def tokens(ascii_text: str, kind: EntityKind = "unknown", abjad: bool = False) -> tuple[str, ...]:
    text = _CASE_JOIN.sub(" ", ascii_text).lower()
    text = text.replace("'", "").replace("`", "").replace("\u2019", "").replace(".", "")
    text = _NON_ALNUM.sub(" ", text)
    if kind != "person":
        text = remove_org_types(text)
        text = _LEGAL_EXTRA.sub(" ", text)
    if kind != "organization" and not abjad:  # from Arabic script, "mr" is Omar, not Mister
        text = remove_person_prefixes(text)
    out = tuple(ABBREVIATIONS.get(t, t) for t in text.split() if kind == "person" or not _misspelt_legal_word(t))
    if kind != "organization" and not abjad:
        while len(out) > 2 and out[0] in HONORIFICS:  # Sheikh, H.E., Eng. ... before a full name
            out = out[1:]
    if not out:  # a name that is nothing but a legal form ("Limited") stays searchable
        out = tuple(_NON_ALNUM.sub(" ", ascii_text.lower()).split())
    return out


# Legal-form words long enough for a typo to leave them recognisable (the exact words are removed above).
_LEGAL_FORMS = ("company", "limited", "corporation", "incorporated", "holding", "holdings", "group")


@lru_cache(maxsize=1 << 16)
def _misspelt_legal_word(token: str) -> bool:
    """``kompany``, ``limted``, ``cmopany``: a legal form with a typo is still a legal form."""
    from rapidfuzz.distance import OSA

    if len(token) < 4 or token in _LEGAL_FORMS:
        return False
    return any(OSA.distance(token, w) <= (2 if len(w) >= 9 else 1) for w in _LEGAL_FORMS)


# "X a.k.a. Y", "X (Y)", "X / Y": one string holding several names of one party (lists write
# acronyms and other names so, and so do people filling in forms).
_AKA = re.compile(r"\s+(?:a\.\s?k\.\s?a\.?|aka|a/k/a|f\.\s?k\.\s?a\.?|fka|n\.\s?k\.\s?a\.?|also known as|"
                  r"formerly known as|known as|alias)[\s:]+|\s+/\s+|;\s*", re.IGNORECASE)
_PAREN = re.compile(r"\(([^()]{2,})\)")
_ACRONYM = re.compile(r"^[A-Z0-9][A-Z0-9&.\-]{2,}$")


def name_forms(raw: str) -> list[str]:
    """``raw`` itself, then each name it holds: the parts around "a.k.a." (and "f.k.a.", "alias",
    " / "), and a bracketed part apart from the rest (``Hilal Ahmar Society Indonesia (HASI)``)."""
    parts = [p for p in _AKA.split(raw) if p.strip(" ,.'\"")]
    forms = [raw] if len(parts) <= 1 else []  # "X a.k.a. Y" is two names, not one of both
    for part in parts:
        # a bracketed part stands alone when it is a name of its own: two words, or an acronym
        inner = [i for i in _PAREN.findall(part) if len(i.split()) >= 2 or _ACRONYM.match(i.strip())]
        outer = _PAREN.sub(" ", part)
        for f in (part, outer, *inner):
            f = f.strip(" ,.'\"")
            if f and f not in forms:
                forms.append(f)
    return forms


def normalise(raw: str, kind: EntityKind = "unknown") -> list[tuple[str, ...]]:
    """Token tuples for every name ``raw`` holds (``name_forms``), in every rendering (usually one)."""
    seen: list[tuple[str, ...]] = []
    for form in name_forms(raw):
        abjad = is_abjad(form)
        for rendering in renderings(form):
            t = tokens(rendering, kind, abjad)
            if t and t not in seen:
                seen.append(t)
    return seen


_SOUNDS = {"dzh": "j", "sch": "s", "tch": "c", "sh": "s", "ch": "c", "kh": "h", "ph": "f", "th": "t", "dh": "d",
           "gh": "g", "zh": "j", "dj": "j", "ck": "k", "x": "ks", "q": "k", "c": "k", "z": "s", "w": "v", "y": "i",
           "ee": "i", "oo": "u", "ou": "u"}
# One left-to-right pass, longest spelling first, so a replacement never joins a later one ("btkhn"
# must not become "bthn" and then "btn").
_SOUND_RE = re.compile("|".join(sorted(_SOUNDS, key=len, reverse=True)))
_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=1 << 18)
def phonetic(token: str) -> str:
    """One spelling per sound, vowels kept: ``khalid``/``halid`` and ``jokic``/``dzhokik`` agree."""
    t = _SOUND_RE.sub(lambda m: _SOUNDS[m.group(0)], token)
    out: list[str] = []
    for ch in t:
        if not (out and out[-1] == ch):
            out.append(ch)
    if len(out) > 2 and out[-1] == "h":  # a final h is often silent: Abdullah / Abdulla
        out.pop()
    return "".join(out)


@lru_cache(maxsize=1 << 18)
def vowel_mask(token: str) -> str:
    """The phonetic form with every run of vowels written ``a``: ``muhammad`` and ``mohammed`` agree."""
    out: list[str] = []
    for ch in phonetic(token):
        c = "a" if ch in _VOWELS else ch
        if not (out and out[-1] == c == "a"):
            out.append(c)
    return "".join(out)


_SKELETON = str.maketrans({"g": "k", "j": "k", "v": "f", "p": "b", "c": "s"})


@lru_cache(maxsize=1 << 18)
def skeleton(token: str, abjad: bool = False) -> str:
    """Consonants only, ``g``/``j``/``k``, ``v``/``f``, ``p``/``b`` and ``ch``/``sh`` merged (ج is g in
    Egypt; Arabic has no p, v or ch): what Arabic and Hebrew script
    keep of a name. ``mohammed`` and ``mhmd`` both give ``mhmd``. For a token transliterated from
    such a script, ``w`` after the first letter stands for a long u/o and is dropped too (``y`` for a
    long i/e already is)."""
    if abjad:
        # Arabic script has no "ch" and writes it تش, which transliterates as "tsh": Chen / تشن
        token = token.replace("tsh", "ch")
        token = token[:1] + token[1:].replace("w", "")
    out: list[str] = []
    for ch in phonetic(token).translate(_SKELETON):
        if ch in _VOWELS or ch.isdigit() or (out and out[-1] == ch):
            continue
        out.append(ch)
    if len(out) > 1 and out[-1] == "h":
        out.pop()
    return "".join(out)
