"""An evaluation of screening that shares no code with the matcher.

Written independently of ``names.py`` (and of ``index.py``, ``matcher.py`` and the older
``evalset.py``): this module imports none of them, and its tables — transliteration into Cyrillic
and Arabic script, Latin respellings of Arabic, Russian and Chinese names, keyboard typos,
honorifics, legal forms, everyday names — were written separately from the normaliser's, from the
published romanisation conventions (BGN/PCGN read backwards, Wade-Giles vs pinyin), not by
reading the normaliser. It makes, from the list files themselves:

* **variants**: a listed name written another way, each expected to hit its own entry;
* **real aliases**: a party's other names as the list gives them, screened against an index of
  primary names only;
* **hard negatives**: other people and firms whose names are close to a listed one — the same
  surname with another given name, the same given names with another surname, one or two letters
  from a listed name (with a birth year that differs), a listed firm's distinctive word among
  other words — each expected to come back clear, or at least not to hit that entry;
* **clean names**: everyday names of nobody listed.

Every case falls into the *validation* or the *evaluation* split by a hash of the entry it comes
from, so thresholds and weights can be chosen on one half and reported on the other.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from bastion.diligence.screening.model import EntityKind, ListEntry

Split = str  # "validation" | "evaluation"
VARIANT_KINDS = ("cyrillic_script", "arabic_script", "romanisation", "keyboard_typo", "surname_first",
                 "honorific", "initials", "joined_or_split", "dropped_token", "org_form")
NEGATIVE_KINDS = ("same_surname", "same_given_names", "near_name", "shared_org_token")


@dataclass(frozen=True, slots=True)
class Case:
    """One query with what screening should say about it."""

    name: str
    kind: EntityKind
    family: str  # "variant" | "alias" | "negative" | "clean"
    label: str  # the variant or negative kind
    target: str | None  # entry key a variant/alias must hit; the entry a negative must not hit
    source: str  # the listed name it was made from
    birth_date: str | None = None
    country: str | None = None
    identifiers: tuple[tuple[str, str], ...] = field(default=())

    @property
    def positive(self) -> bool:
        return self.family in ("variant", "alias")


def split_of(entry_key: str) -> Split:
    """Half the entries validate, the other half evaluate; stable across runs and machines."""
    return "validation" if hashlib.sha256(entry_key.encode()).digest()[0] % 2 == 0 else "evaluation"


# -- plain text handling (deliberately simple, independent of the normaliser) -----------------------

_SPLIT = re.compile(r"[^0-9a-z]+")


def plain_words(text: str) -> list[str]:
    """Lower-case Latin words, accents stripped; anything else dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return [w for w in _SPLIT.split(bare) if w]


def levenshtein(a: str, b: str) -> int:
    """Plain edit distance (rapidfuzz's, a library; not the matcher's OSA-after-phonetics)."""
    return int(Levenshtein.distance(a, b))


def surname_and_given(name: str) -> tuple[list[str], list[str]]:
    """(given words, surname words) of a listed person's name. OFAC writes the surname in capitals
    ("Ayman AL-ZAWAHIRI"); otherwise the last word is taken as the surname."""
    words = name.replace(",", " ").split()
    upper = [w for w in words if w.isupper() and len(w) > 1]
    if upper and len(upper) < len(words):
        return [w for w in words if w not in upper], upper
    return words[:-1], words[-1:]


# -- script transliteration (reverse BGN/PCGN for Cyrillic; consonantal Arabic) ----------------------

_TO_CYRILLIC = (("shch", "щ"), ("sch", "ш"), ("kh", "х"), ("zh", "ж"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
                ("ya", "я"), ("yu", "ю"), ("yo", "ё"), ("ye", "е"), ("ph", "ф"), ("th", "т"), ("ee", "и"),
                ("oo", "у"), ("ou", "у"), ("iy", "ий"), ("yy", "ый"), ("a", "а"), ("b", "б"), ("c", "к"),
                ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"), ("h", "х"), ("i", "и"), ("j", "дж"), ("k", "к"),
                ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"),
                ("t", "т"), ("u", "у"), ("v", "в"), ("w", "в"), ("x", "кс"), ("y", "ы"), ("z", "з"))
_TO_ARABIC = (("kh", "خ"), ("sh", "ش"), ("th", "ث"), ("dh", "ذ"), ("gh", "غ"), ("ou", "و"), ("oo", "و"),
              ("ee", "ي"), ("aa", "ا"), ("ch", "تش"), ("b", "ب"), ("t", "ت"), ("j", "ج"), ("h", "ح"), ("d", "د"),
              ("r", "ر"), ("z", "ز"), ("s", "س"), ("f", "ف"), ("q", "ق"), ("k", "ك"), ("l", "ل"), ("m", "م"),
              ("n", "ن"), ("w", "و"), ("y", "ي"), ("i", "ي"), ("u", "و"), ("o", "و"), ("g", "ج"), ("p", "ب"),
              ("v", "ف"), ("c", "ك"), ("x", "كس"), ("a", ""), ("e", ""))


def _replace_greedy(word: str, table: tuple[tuple[str, str], ...]) -> str:
    out, i = [], 0
    while i < len(word):
        for latin, other in table:
            if word.startswith(latin, i):
                out.append(other)
                i += len(latin)
                break
        else:
            out.append(word[i])
            i += 1
    return "".join(out)


def to_cyrillic(name: str) -> str:
    words = []
    for w in plain_words(name):
        first = "э" if w[:1] == "e" else ""  # a word-initial e is э in Russian spelling of foreign names
        words.append(first + _replace_greedy(w[1:] if first else w, _TO_CYRILLIC))
    return " ".join(words).title()


def to_arabic(name: str) -> str:
    words = []
    for w in plain_words(name):
        if w in ("al", "el"):  # the article is written joined to the next word
            words.append("ال")
            continue
        lead = "ا" if w[:1] in "aeiou" else ""  # a word-initial vowel sits on an alif
        # a final -a/-ah of a feminine noun is ta marbuta
        tail = "ة" if w.endswith(("ah", "a")) and len(w) > 3 and w[-3:] not in ("iya", "aya") else ""
        core = w[:-2] if tail and w.endswith("ah") else w[:-1] if tail else w
        words.append(lead + _replace_greedy(core[1:] if lead else core, _TO_ARABIC) + tail)
    return " ".join(words).replace("ال ", "ال")


# -- Latin respellings of the same name ------------------------------------------------------------

_RESPELL = (  # (from, to): differences between romanisation conventions seen for the same name
    ("ou", "u"), ("u", "ou"), ("oo", "u"), ("ee", "i"), ("i", "ee"), ("e", "i"), ("o", "u"), ("u", "o"), ("a", "e"),
    ("e", "a"), ("y", "i"), ("i", "y"), ("ie", "y"), ("iy", "y"), ("yev", "ev"), ("ye", "e"), ("ya", "ia"),
    ("yu", "iu"), ("kh", "h"), ("kh", "ch"), ("q", "k"), ("k", "q"), ("dj", "j"), ("j", "dj"), ("zh", "j"),
    ("sh", "sch"), ("ks", "x"), ("x", "ks"), ("w", "v"), ("v", "w"), ("ph", "f"), ("f", "ph"), ("c", "k"),
    ("ai", "ei"), ("ei", "ay"), ("dh", "z"), ("th", "s"), ("gh", "g"), ("ah", "a"), ("tt", "t"), ("mm", "m"),
    ("dd", "d"), ("ss", "s"), ("ll", "l"), ("rr", "r"),
    # pinyin and Wade-Giles
    ("x", "hs"), ("zh", "ch"), ("q", "ch"), ("z", "ts"), ("ong", "ung"), ("ian", "ien"), ("r", "j"),
)


def respell(rng: random.Random, name: str, changes: int = 2) -> str | None:
    low = name.lower()
    done = 0
    for _ in range(8):
        options = [(a, b) for a, b in _RESPELL if a in low]
        if not options or done == changes:
            break
        a, b = rng.choice(options)
        spots = [i for i in range(len(low)) if low.startswith(a, i)]
        i = rng.choice(spots)
        low = low[:i] + b + low[i + len(a):]
        done += 1
    return low.title() if done else None


# -- typos on a QWERTY keyboard ----------------------------------------------------------------------

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEAR: dict[str, str] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _ch in enumerate(_row):
        _near = [_row[k] for k in (_c - 1, _c + 1) if 0 <= k < len(_row)]
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_ROWS):
                _near += [_ROWS[_other][k] for k in (_c - 1, _c) if 0 <= k < len(_ROWS[_other])]
        _NEAR[_ch] = "".join(_near)


def keyboard_typo(rng: random.Random, name: str) -> str | None:
    words = name.split()
    long_enough = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long_enough:
        return None
    i = rng.choice(long_enough)
    w = words[i].lower()
    p = rng.randrange(1, len(w))  # a first letter is rarely mistyped
    how = rng.choice(("neighbour", "double", "skip", "swap"))
    if how == "neighbour" and w[p] in _NEAR:
        w = w[:p] + rng.choice(_NEAR[w[p]]) + w[p + 1:]
    elif how == "double":
        w = w[:p] + w[p] + w[p:]
    elif how == "skip":
        w = w[:p] + w[p + 1:]
    elif p < len(w) - 1:
        w = w[:p] + w[p + 1] + w[p] + w[p + 2:]
    else:
        return None
    words[i] = w.capitalize()
    return " ".join(words)


# -- person forms: honorifics, initials, order ------------------------------------------------------

HONORIFICS = ("Mr.", "Mr", "Mrs.", "Ms", "Dr.", "Prof.", "Sheikh", "Shaikh", "Haji", "Hajji", "H.E.", "General",
              "Colonel", "Eng.", "Mullah", "Sayyid", "Sir")
SUFFIXES = ("Jr.", "Sr.", "II", "PhD")
ORG_FORMS = ("Limited Liability Partnership", "Joint-Stock Company", "Joint Stock Co.", "Public Joint Stock Company",
             "Co., Ltd.", "Company Limited", "Pty Ltd", "GmbH & Co. KG", "S.p.A.", "S.A. de C.V.", "SAS", "LLP",
             "L.L.C.", "K.K.", "Sdn. Bhd.", "Pvt. Ltd.", "A.S.", "OAO", "ZAO", "TOO", "FZE", "Inc")


def with_initials(rng: random.Random, given: list[str], surname: list[str]) -> str | None:
    if len(given) < 2:
        return None
    keep = rng.randrange(len(given))  # one given name stays whole, the others become initials
    parts = [g if k == keep else g[0].upper() + "." for k, g in enumerate(given)]
    return " ".join(parts + surname)


def make_variant(rng: random.Random, entry: ListEntry, name: str, how: str) -> str | None:
    person = entry.kind == "person"
    given, surname = surname_and_given(name) if person else ([], [])
    words = name.split()
    if how == "cyrillic_script":
        return to_cyrillic(name) if person else None
    if how == "arabic_script":
        return to_arabic(name) if person and len(words) >= 2 else None
    if how == "romanisation":
        return respell(rng, name, rng.choice((1, 2)))
    if how == "keyboard_typo":
        return keyboard_typo(rng, name)
    if how == "surname_first":
        return f"{' '.join(surname).upper()}, {' '.join(given)}" if person and given else None
    if how == "honorific":
        if not person:
            return None
        if rng.random() < 0.8:
            return f"{rng.choice(HONORIFICS)} {name}"
        return f"{name} {rng.choice(SUFFIXES)}"
    if how == "initials":
        return with_initials(rng, given, surname) if person else None
    if how == "joined_or_split":
        if len(words) >= 2 and rng.random() < 0.5:
            k = rng.randrange(len(words) - 1)
            return " ".join([*words[:k], words[k] + words[k + 1].lower(), *words[k + 2:]])
        hyphened = [w for w in words if "-" in w]
        if hyphened:
            w = rng.choice(hyphened)
            return name.replace(w, w.replace("-", " " if rng.random() < 0.5 else ""), 1)
        long_words = [w for w in words if len(w) >= 8]
        if long_words:
            w = rng.choice(long_words)
            cut = rng.randrange(3, len(w) - 3)
            return name.replace(w, f"{w[:cut]} {w[cut:]}", 1)
        return None
    if how == "dropped_token":
        if len(words) < 3:
            return None
        drop = rng.randrange(1, len(words) - 1)
        return " ".join(words[:drop] + words[drop + 1:])
    if how == "org_form":
        if entry.kind != "organization":
            return None
        return f"{name} {rng.choice(ORG_FORMS)}"
    raise ValueError(f"unknown variant kind {how!r}")


# -- attributes a real query carries ----------------------------------------------------------------

_COUNTRIES = ("us", "gb", "de", "fr", "ru", "cn", "in", "br", "tr", "ir", "iq", "sy", "af", "pk", "ae", "sa", "eg",
              "ng", "mx", "co", "ve", "kp", "kr", "jp", "ua", "by", "lb", "ye", "so", "ly", "es", "it", "ca")


def _year(date: str) -> int:
    return int(date[:4])


def true_birth_date(rng: random.Random, entry: ListEntry) -> str | None:
    """The entry's own birth date, as a query might give it: in full, the year only, or a range."""
    if not entry.birth_dates:
        return None
    d = rng.choice(entry.birth_dates)
    style = rng.random()
    if style < 0.5 or len(d) < 10:
        return d
    if style < 0.8:
        return d[:4]
    return f"{_year(d) - 1}/{_year(d) + 1}"


def other_birth_date(rng: random.Random, entry: ListEntry) -> str:
    """A birth year at least four years from every date the entry gives."""
    years = {_year(d) for d in entry.birth_dates}
    base = rng.choice(sorted(years)) if years else rng.randrange(1945, 1995)
    for _ in range(20):
        y = base + rng.choice((-1, 1)) * rng.randrange(4, 21)
        if all(abs(y - other) >= 4 for other in years):
            if rng.random() < 0.5:
                return f"{y}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            return str(y)
    return str(base + 30)


def _maybe(rng: random.Random, p: float, value: str | None) -> str | None:
    return value if value is not None and rng.random() < p else None


# -- everyday names of nobody listed ----------------------------------------------------------------

EVERYDAY_GIVEN = ("Emma", "Noah", "Olivia", "Liam", "Sofia", "Lucas", "Mia", "Mateo", "Chloe", "Leon", "Hannah",
                  "Jonas", "Amelia", "Oscar", "Ingrid", "Lars", "Priya", "Arjun", "Ananya", "Rohan", "Mei", "Hao",
                  "Yuna", "Haruto", "Minjun", "Seoyeon", "Aylin", "Emre", "Zeynep", "Kemal", "Layla", "Youssef",
                  "Mariam", "Karim", "Nour", "Tomasz", "Agnieszka", "Katarzyna", "Bogdan", "Svetla", "Dario",
                  "Giulia", "Lorenzo", "Chiara", "Ines", "Tiago", "Beatriz", "Rafael", "Camila", "Valentina",
                  "Thabo", "Ngozi", "Chidi", "Amara", "Kwame", "Akosua", "Siosaia", "Aroha", "Finn", "Saoirse")
EVERYDAY_SURNAMES = ("Johansson", "Lindqvist", "Virtanen", "Korhonen", "Nieminen", "Hansen", "Andersen", "Bakker",
                     "Visser", "Janssens", "Peeters", "Moreau", "Lefebvre", "Fontaine", "Schneider", "Becker",
                     "Hoffmann", "Bianchi", "Ricci", "Marino", "Greco", "Ferreira", "Oliveira", "Sousa", "Nowak",
                     "Wojcik", "Kaminski", "Horvat", "Kovacs", "Nagy", "Dvorak", "Popescu", "Ionescu", "Papadopoulos",
                     "Oyelaran", "Mensah", "Okafor", "Adeyemi", "Banda", "Mwangi", "Patel", "Sharma", "Iyer",
                     "Reddy", "Takahashi", "Watanabe", "Yamamoto", "Nakamura", "Seo", "Hwangbo", "Tran", "Pham",
                     "Wongsakul", "Santoso", "Gunawardena", "MacLeod", "O'Brien", "Gallagher", "Thompson", "Whitaker")
EVERYDAY_ORG_WORDS = ("Riverside", "Bluebell", "Harbourview", "Oakridge", "Silverline", "Northgate", "Meadow",
                      "Lakeshore", "Copperleaf", "Greenfield", "Brightwater", "Stonebridge", "Maple", "Sunrise",
                      "Pinecrest", "Redwood", "Clearwater", "Hillside", "Windmill", "Lighthouse")
EVERYDAY_ORG_KINDS = ("Bakery", "Dental Clinic", "Software", "Bicycles", "Florists", "Architects", "Veterinary",
                      "Bookshop", "Consulting", "Textiles", "Furniture", "Catering", "Printing", "Robotics",
                      "Analytics", "Outfitters", "Pharmacy", "Brewery", "Tutoring", "Opticians")


# -- the set ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Vocabulary:
    """Which names the lists hold, in this module's own plain form, to keep negatives negative."""

    by_word: dict[str, list[frozenset[str]]]
    words: set[str]
    given_names: list[str]
    surnames: list[str]

    def listed(self, name: str) -> bool:
        """The name is a listed name, or a listed name with words left out."""
        want = frozenset(plain_words(name))
        if not want:
            return True
        rarest = min(want, key=lambda w: len(self.by_word.get(w, ())))
        return any(want <= full for full in self.by_word.get(rarest, ()))


def vocabulary(entries: list[ListEntry]) -> Vocabulary:
    full: set[frozenset[str]] = set()
    given: set[str] = set()
    surnames: set[str] = set()
    for e in entries:
        for n in e.names:
            full.add(frozenset(plain_words(n)))
        if e.kind == "person" and e.names:
            g, s = surname_and_given(e.names[0])
            given.update(w for w in g if w.isalpha() and len(w) >= 3)
            surnames.update(w for w in s if w.replace("-", "").isalpha() and len(w) >= 3)
    by_word: dict[str, list[frozenset[str]]] = {}
    for f in full:
        for w in f:
            by_word.setdefault(w, []).append(f)
    return Vocabulary(by_word, set(by_word), sorted(given), sorted(surnames))


def _screenable(entry: ListEntry) -> bool:
    return entry.kind in ("person", "organization") and bool(entry.names) and bool(plain_words(entry.names[0]))


def variants(entries: list[ListEntry], per_kind: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    pool = [e for e in entries if _screenable(e)]
    out: list[Case] = []
    for how in VARIANT_KINDS:
        made = tries = 0
        while made < per_kind and tries < per_kind * 60:
            tries += 1
            entry = rng.choice(pool)
            name = entry.names[0] if rng.random() < 0.7 else rng.choice(entry.names)
            if not name.isascii() or len(plain_words(name)) < 2:
                continue
            v = make_variant(rng, entry, name, how)
            if not v or (plain_words(v) == plain_words(name) and how not in ("surname_first", "honorific", "org_form")):
                continue
            out.append(Case(v, entry.kind, "variant", how, entry.key, name,
                            _maybe(rng, 0.5, true_birth_date(rng, entry)),
                            _maybe(rng, 0.5, entry.countries[0] if entry.countries else None),
                            _maybe_identifier(rng, entry)))
            made += 1
    return out


def _maybe_identifier(rng: random.Random, entry: ListEntry) -> tuple[tuple[str, str], ...]:
    ids = list(entry.identifiers)
    if not ids or rng.random() >= 0.3:
        return ()
    kind, value = rng.choice(ids)
    return ((kind, value),)


def _other_identifier(rng: random.Random, entry: ListEntry) -> tuple[tuple[str, str], ...]:
    """Another person's document of a kind the entry lists (a different number, same shape)."""
    ids = list(entry.identifiers)
    if not ids or rng.random() >= 0.3:
        return ()
    kind, value = rng.choice(ids)
    other = "".join(str(rng.randrange(10)) if ch.isdigit() else ch for ch in value)
    return ((kind, other),) if other not in {v for _, v in ids} else ()


def _far_from(word: str, others: Iterable[str], edits: int = 2) -> bool:
    w = word.lower()
    return all(levenshtein(w, o.lower()) > edits and w[:3] != o.lower()[:3] for o in others)


def negatives(entries: list[ListEntry], per_kind: int, seed: int, vocab: Vocabulary | None = None) -> list[Case]:
    """Other parties close to a listed one. Each is checked not to be a listed name (or a listed name
    with words dropped) in this module's plain form."""
    rng = random.Random(seed)
    vocab = vocab or vocabulary(entries)
    persons = [e for e in entries if e.kind == "person" and _screenable(e) and e.names[0].isascii()]
    dated = [e for e in persons if e.birth_dates]
    orgs = [e for e in entries if e.kind == "organization" and _screenable(e) and e.names[0].isascii()]
    near_words = _near_word_table(vocab.words)
    makers: dict[str, Callable[[], Case | None]] = {}

    def same_surname() -> Case | None:
        e = rng.choice(persons)
        given, surname = surname_and_given(e.names[0])
        if not given:
            return None
        other = [g for g in (rng.choice(vocab.given_names) for _ in range(3)) if _far_from(g, given)]
        if not other:
            return None
        name = f"{other[0].title()} {' '.join(surname).title()}"
        return Case(name, "person", "negative", "same_surname", e.key, e.names[0], other_birth_date(rng, e),
                    _maybe(rng, 0.7, e.countries[0] if e.countries else None), _other_identifier(rng, e))

    def same_given_names() -> Case | None:
        e = rng.choice(persons)
        given, surname = surname_and_given(e.names[0])
        if not given:
            return None
        other = [s for s in (rng.choice(vocab.surnames) for _ in range(3)) if _far_from(s, surname)]
        if not other:
            return None
        name = f"{' '.join(given)} {other[0].title()}"
        return Case(name, "person", "negative", "same_given_names", e.key, e.names[0],
                    _maybe(rng, 0.7, other_birth_date(rng, e)), _maybe(rng, 0.5, rng.choice(_COUNTRIES)))

    def near_name() -> Case | None:
        # another real name one or two letters away: a different person, born years apart
        e = rng.choice(dated)
        words = e.names[0].split()
        slots = [i for i, w in enumerate(words) if w.lower() in near_words]
        if len(words) < 2 or not slots:
            return None
        i = rng.choice(slots)
        words[i] = rng.choice(near_words[words[i].lower()]).title()
        return Case(" ".join(words), "person", "negative", "near_name", e.key, e.names[0], other_birth_date(rng, e),
                    _maybe(rng, 0.5, e.countries[0] if e.countries else None), _other_identifier(rng, e))

    def shared_org_token() -> Case | None:
        e = rng.choice(orgs)
        distinctive = [w for w in plain_words(e.names[0]) if len(w) >= 5]
        if not distinctive:
            return None
        word = rng.choice(distinctive).title()
        name = f"{word} {rng.choice(EVERYDAY_ORG_KINDS)} {rng.choice(('Ltd', 'GmbH', 'LLC', 'Inc', 'S.A.'))}"
        away = [c for c in _COUNTRIES if c not in e.countries]
        return Case(name, "organization", "negative", "shared_org_token", e.key, e.names[0], None,
                    _maybe(rng, 0.5, rng.choice(away)))

    makers.update(same_surname=same_surname, same_given_names=same_given_names, near_name=near_name,
                  shared_org_token=shared_org_token)
    out: list[Case] = []
    for how in NEGATIVE_KINDS:
        made = tries = 0
        while made < per_kind and tries < per_kind * 60:
            tries += 1
            case = makers[how]()
            if case is None or vocab.listed(case.name):
                continue
            out.append(case)
            made += 1
    return out


def _near_word_table(words: set[str]) -> dict[str, list[str]]:
    """For listed words of five letters or more, other listed words one or two edits away that
    differ in more than the vowels (``Hassan``/``Hassani`` yes, ``Hasan``/``Hassan`` no)."""
    from rapidfuzz import process

    by_start: dict[tuple[str, int], list[str]] = {}
    for w in sorted(words):  # a set's order changes with the hash seed: the cases must not
        if len(w) >= 5 and w.isalpha():
            by_start.setdefault((w[0], len(w)), []).append(w)
    out: dict[str, list[str]] = {}
    for (first, n), group in by_start.items():
        pool = group + by_start.get((first, n + 1), []) + by_start.get((first, n + 2), [])
        for w in group:
            for o, _, _ in process.extract_iter(w, pool, scorer=Levenshtein.distance, score_cutoff=2):
                if o != w and _consonants(o) != _consonants(w):
                    out.setdefault(w, []).append(o)
                    out.setdefault(o, []).append(w)
    return out


def _consonants(word: str) -> str:
    out: list[str] = []
    for ch in word:
        if ch in "aeiouy" or (out and out[-1] == ch):
            continue
        out.append(ch)
    return "".join(out)


def clean(entries: list[ListEntry], count: int, seed: int, vocab: Vocabulary | None = None) -> list[Case]:
    """Everyday people and firms, none of them listed; half give a birth date or a country."""
    rng = random.Random(seed)
    vocab = vocab or vocabulary(entries)
    out: list[Case] = []
    tries = 0
    while len(out) < count and tries < count * 20:
        tries += 1
        if rng.random() < 0.75:
            name = f"{rng.choice(EVERYDAY_GIVEN)} {rng.choice(EVERYDAY_SURNAMES)}"
            kind: EntityKind = "person"
            birth = _maybe(rng, 0.5, str(rng.randrange(1940, 2005)))
        else:
            name = f"{rng.choice(EVERYDAY_ORG_WORDS)} {rng.choice(EVERYDAY_ORG_KINDS)} " \
                   f"{rng.choice(('Ltd', 'GmbH', 'LLC', 'Inc', 'S.A.', 'AB', 'Oy'))}"
            kind, birth = "organization", None
        if vocab.listed(name):
            continue
        out.append(Case(name, kind, "clean", "clean", None, "", birth, _maybe(rng, 0.5, rng.choice(_COUNTRIES))))
    return out


def real_aliases(entries: list[ListEntry], count: int, seed: int,
                 min_similarity: float = 60.0) -> tuple[list[ListEntry], list[Case]]:
    """The lists' own aliases of a party, against an index of primary names only. An alias counts when
    it is the same name written another way — its plain words' token-set similarity to the primary
    name is at least ``min_similarity`` (the criterion the older figure used, so the two compare) —
    or it is written in another script (the UN list gives the original spelling). Acronyms,
    nicknames and unrelated former names fall out: no matcher can tell that "BNC" is the Banco
    Nacional de Cuba without being told."""
    from rapidfuzz import fuzz

    primaries = [ListEntry(e.list_id, e.entity_id, e.kind, [e.names[0]], list(e.birth_dates), list(e.countries),
                           list(e.programs), surnames=list(e.surnames)) for e in entries]
    out: list[Case] = []
    for e in entries:
        if not _screenable(e):
            continue
        base = " ".join(plain_words(e.names[0]))
        seen = {base}
        for alias in e.names[1:]:
            key = " ".join(plain_words(alias))
            script = not key and not alias.isascii()
            if script:
                out.append(Case(alias, e.kind, "alias", "other_script", e.key, e.names[0]))
                continue
            if key in seen or fuzz.token_set_ratio(key, base) < min_similarity:
                continue
            seen.add(key)
            out.append(Case(alias, e.kind, "alias", "latin", e.key, e.names[0]))
    random.Random(seed).shuffle(out)
    return primaries, out[:count]
