"""An evaluation set built from the list files themselves, reproducible from a seed.

*Variants* are names of listed parties written another way (transliterated into Cyrillic or
Arabic script and back, respelt, misspelt, reordered, a middle name dropped, a legal form changed);
each should hit its own entry. *Clean* names share tokens with listed names but belong to no one
listed (a listed given name with an unlisted surname, a listed firm's distinctive word with other
words); each should come back clear. Also: synthetic lists of any size for the benchmarks.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bastion.diligence.screening.matcher import Matcher
from bastion.diligence.screening.model import EntityKind, ListEntry, Subject
from bastion.diligence.screening.names import normalise, phonetic

VARIANT_KINDS = ("cyrillic", "arabic", "spelling", "typo", "reorder", "drop_middle", "legal_form", "format")

_CYRILLIC = {"shch": "щ", "zh": "ж", "kh": "х", "ts": "ц", "ch": "ч", "sh": "ш", "yu": "ю", "ya": "я", "a": "а",
             "b": "б", "v": "в", "g": "г", "d": "д", "e": "е", "z": "з", "i": "и", "y": "й", "k": "к", "l": "л",
             "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "f": "ф", "h": "х",
             "c": "к", "q": "к", "w": "в", "x": "кс", "j": "дж"}
# Arabic script writes consonants and long vowels; short vowels mostly vanish.
_ARABIC = {"sh": "ش", "ch": "ش", "kh": "خ", "th": "ث", "dh": "ذ", "gh": "غ", "ph": "ف", "ck": "ك", "ou": "و",
           "ee": "ي", "b": "ب", "t": "ت",
           "j": "ج", "h": "ه", "d": "د", "r": "ر", "z": "ز", "s": "س", "f": "ف", "q": "ق", "k": "ك", "l": "ل",
           "m": "م", "n": "ن", "w": "و", "y": "ي", "a": "ا", "i": "ي", "u": "و", "o": "و", "e": "", "g": "غ",
           "p": "ب", "v": "ف", "c": "ك", "x": "كس"}
_SPELLINGS = (("ou", "u"), ("u", "ou"), ("y", "i"), ("i", "y"), ("ph", "f"), ("f", "ph"), ("kh", "h"),
              ("mm", "m"), ("m", "mm"), ("ee", "i"), ("oo", "u"), ("c", "k"), ("k", "c"), ("ai", "ay"), ("ei", "ey"),
              ("sh", "ch"), ("j", "dj"), ("v", "w"), ("w", "v"), ("ss", "s"), ("e", "a"), ("a", "e"), ("o", "u"))
LEGAL_FORMS = ("LLC", "OOO", "GmbH", "Ltd", "Limited", "S.A.", "JSC", "Limited Liability Company", "Inc.", "Co., Ltd.",
               "PJSC", "AG", "SARL", "B.V.", "Corporation")
GENERIC_ORG_WORDS = ("Global", "Trading", "Consulting", "Holdings", "International", "Services", "Logistics",
                     "Partners", "Industries", "Solutions", "Capital", "Group", "Energy", "Systems", "Digital")
# Frequent given names and surnames from several regions (public name-frequency facts), to build
# clean look-alikes and synthetic lists.
GIVEN = ("James", "Maria", "Mohammed", "Ali", "Wei", "Olga", "Ivan", "Fatima", "Ahmed", "Elena", "Juan", "Ana",
         "David", "Sarah", "Yusuf", "Omar", "Hassan", "Li", "Chen", "Sergei", "Anna", "Peter", "Carlos", "Aisha",
         "Hamid", "Reza", "Dmitri", "Natalia", "Jose", "Luis", "Kim", "Min", "Hiroshi", "Yuki", "Pierre", "Sophie",
         "Hans", "Klaus", "Giovanni", "Marco", "Abdul", "Ibrahim", "Khalid", "Tariq", "Nadia", "Leila", "Viktor",
         "Pavel", "Andrei", "Mikhail", "Rashid", "Salim", "Karim", "Samir", "Amir", "Farid", "Jamal", "Nasser")
SURNAMES = ("Smith", "Garcia", "Ivanov", "Wang", "Kumar", "Nguyen", "Mueller", "Rossi", "Silva", "Kowalski",
            "Petrov", "Novak", "Haddad", "Khan", "Tanaka", "Park", "Lopez", "Martin", "Dubois", "Jensen", "Larsen",
            "Fischer", "Weber", "Romano", "Costa", "Santos", "Pereira", "Yilmaz", "Demir", "Kaya", "Sokolov",
            "Volkov", "Morozov", "Lebedev", "Kozlov", "Abbasi", "Rahimi", "Karimi", "Hosseini", "Farouk", "Mansour",
            "Nasser", "Saleh", "Aziz", "Hakimi", "Zhang", "Liu", "Huang", "Zhou", "Sato", "Suzuki", "Choi", "Jung")


@dataclass(frozen=True, slots=True)
class EvalCase:
    name: str
    kind: EntityKind
    variant: str  # one of VARIANT_KINDS, or "clean"
    expected: str | None  # entry key ("list:id") for variants, None for clean names
    source: str  # the listed name it was made from (or shares tokens with)


def _translit(text: str, table: dict[str, str]) -> str:
    out, i, low = [], 0, text.lower()
    keys = sorted(table, key=len, reverse=True)
    while i < len(low):
        for k in keys:
            if low.startswith(k, i):
                out.append(table[k])
                i += len(k)
                break
        else:
            out.append(low[i])
            i += 1
    return "".join(out)


def _typo(rng: random.Random, name: str) -> str | None:
    words = name.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long_words:
        return None
    i = rng.choice(long_words)
    w = words[i]
    p = rng.randrange(1, len(w) - 1)
    op = rng.choice(("delete", "insert", "substitute", "swap"))
    letter = rng.choice("aeioulnrst")
    if op == "delete":
        w = w[:p] + w[p + 1:]
    elif op == "insert":
        w = w[:p] + letter + w[p:]
    elif op == "substitute":
        w = w[:p] + letter + w[p + 1:]
    else:
        w = w[:p - 1] + w[p] + w[p - 1] + w[p + 1:]
    words[i] = w
    return " ".join(words)


def make_variant(rng: random.Random, entry: ListEntry, name: str, kind: str) -> str | None:
    words = name.replace(",", " ").split()
    if kind == "cyrillic":
        return _translit(name, _CYRILLIC) if entry.kind == "person" else None
    if kind == "arabic":  # a word-initial vowel is carried by an alif
        if entry.kind != "person" or len(words) < 2:
            return None
        return " ".join("ا" + _translit(w[1:], _ARABIC) if w[:1].lower() in "aeiou" else _translit(w, _ARABIC)
                        for w in words)
    if kind == "spelling":
        low = name.lower()
        options = [(a, b) for a, b in _SPELLINGS if a in low]
        if not options:
            return None
        a, b = rng.choice(options)
        pos = [i for i in range(len(low)) if low.startswith(a, i)]
        i = rng.choice(pos)
        return name[:i] + b + name[i + len(a):]
    if kind == "typo":
        return _typo(rng, name)
    if kind == "reorder":
        if len(words) < 2:
            return None
        return " ".join(words[1:] + words[:1])
    if kind == "drop_middle":
        if entry.kind != "person" or len(words) < 3:
            return None
        del words[rng.randrange(1, len(words) - 1)]
        return " ".join(words)
    if kind == "legal_form":
        if entry.kind != "organization":
            return None
        core = " ".join(normalise(name, "organization")[0]).title() if normalise(name, "organization") else name
        return f"{core} {rng.choice(LEGAL_FORMS)}" if rng.random() < 0.7 else f"{rng.choice(LEGAL_FORMS)} {core}"
    if kind == "format":
        return rng.choice((name.upper(), name.lower(), name.title(), name.replace(" ", "-", 1)))
    raise ValueError(f"unknown variant kind {kind!r}")


def _screenable(entry: ListEntry) -> bool:
    return entry.kind in ("person", "organization") and bool(entry.names)


def variants(entries: list[ListEntry], per_kind: int, seed: int = 7) -> list[EvalCase]:
    rng = random.Random(seed)
    pool = [e for e in entries if _screenable(e)]
    out: list[EvalCase] = []
    for kind in VARIANT_KINDS:
        made, tries = 0, 0
        while made < per_kind and tries < per_kind * 50:
            tries += 1
            entry = rng.choice(pool)
            name = rng.choice(entry.names)
            if len(normalise(name, entry.kind)) == 0 or (len(name.split()) < 2 and kind != "legal_form"):
                continue
            v = make_variant(rng, entry, name, kind)
            if v and v != name:
                out.append(EvalCase(v, entry.kind, kind, entry.key, name))
                made += 1
    return out


def clean_names(entries: list[ListEntry], count: int, seed: int = 11) -> list[EvalCase]:
    """Names that share tokens with listed ones but name nobody listed (checked against the lists).

    A candidate is not clean when it is a listed name with tokens dropped, or when every one of its
    tokens is within one edit (after phonetic normalisation) of a token of the same listed name:
    "Seyed Khan" for "Khan SAYED" is what a typo variant looks like, and the recall target asks
    for those to be caught."""
    rng = random.Random(seed)
    persons = [e for e in entries if e.kind == "person"]
    orgs = [e for e in entries if e.kind == "organization"]
    listed = {frozenset(t) for e in entries for n in e.names for t in normalise(n, e.kind)}
    listed_tokens = {tok for toks in listed for tok in toks}
    by_token: dict[str, list[frozenset[str]]] = {}
    for names in listed:
        for tok in names:
            by_token.setdefault(phonetic(tok)[:3], []).append(frozenset(phonetic(t) for t in names))
    out: list[EvalCase] = []
    tries = 0
    while len(out) < count and tries < count * 50:
        tries += 1
        style = rng.randrange(4)
        if style == 0 and persons:  # a listed person's given name, a common surname
            src = rng.choice(persons).names[0]
            name, kind = f"{src.split()[0]} {rng.choice(SURNAMES)}", "person"
        elif style == 1 and persons:  # a common given name, a listed person's surname
            src = rng.choice(persons).names[0]
            name, kind = f"{rng.choice(GIVEN)} {src.split()[-1]}", "person"
        elif style == 2 and orgs:  # a listed firm's word among generic ones
            src = rng.choice(orgs).names[0]
            toks = [t for t in normalise(src, "organization")[0] if len(t) > 3] if normalise(src) else []
            if not toks:
                continue
            name = f"{rng.choice(toks).title()} {rng.choice(GENERIC_ORG_WORDS)} {rng.choice(LEGAL_FORMS)}"
            kind = "organization"
        else:  # everyday names
            src = ""
            name, kind = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}", "person"
        rendered = normalise(name, kind)  # type: ignore[arg-type]
        if not rendered or frozenset(rendered[0]) in listed or any(True for _ in _supersets(listed, rendered[0])):
            continue
        if kind == "person" and all(t in listed_tokens for t in rendered[0]) and style == 3:
            continue
        if _one_edit_of_listed(rendered[0], by_token):
            continue
        out.append(EvalCase(name, kind, "clean", None, src))  # type: ignore[arg-type]
    return out


def _one_edit_of_listed(toks: tuple[str, ...], by_token: dict[str, list[frozenset[str]]]) -> bool:
    forms = [phonetic(t) for t in toks]
    if len(forms) < 2:
        return False
    seen: set[frozenset[str]] = set()
    for f in forms:
        for names in by_token.get(f[:3], ()):
            if names in seen:
                continue
            seen.add(names)
            if all(any(OSA.distance(x, y) <= 1 for y in names) for x in forms):
                return True
    return False


def _supersets(listed: set[frozenset[str]], toks: tuple[str, ...]) -> Iterator[frozenset[str]]:
    """Listed names that contain every token of ``toks`` (a clean name must not be a listed name
    with tokens dropped)."""
    want = set(toks)
    for s in listed:
        if want <= s:
            yield s


_SYLLABLES = ("ka", "ri", "mo", "sa", "na", "lu", "te", "vo", "za", "hi", "ba", "do", "fe", "gu", "ja", "ko", "le",
              "mi", "nu", "or", "pa", "qu", "ro", "si", "tu", "ul", "ve", "wa", "xi", "yo", "ze", "an", "el", "in")


def synthetic_entries(count: int, seed: int = 3) -> list[ListEntry]:
    """A list of ``count`` made-up parties (60% persons) with realistic token statistics."""
    rng = random.Random(seed)
    given = [rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) for _ in range(5000)]
    family = [rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + rng.choice(("v", "n", "r",
              "", "s", "k")) for _ in range(60000)]
    words = [rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) for _ in range(40000)]
    out: list[ListEntry] = []
    for i in range(count):
        if rng.random() < 0.6:
            names = [f"{rng.choice(given)} {rng.choice(given)} {rng.choice(family)}".title()]
            if rng.random() < 0.3:
                names.append(f"{rng.choice(given)} {rng.choice(family)}".title())
            out.append(ListEntry("synthetic", str(i), "person", names, [f"{rng.randrange(1940, 2000)}"], []))
        else:
            names = [f"{rng.choice(words)} {rng.choice(words)} {rng.choice(GENERIC_ORG_WORDS)} "
                     f"{rng.choice(LEGAL_FORMS)}".title()]
            out.append(ListEntry("synthetic", str(i), "organization", names, [], []))
    return out


@dataclass(frozen=True, slots=True)
class EvalReport:
    recall: float
    false_hit_rate: float
    recall_by_variant: dict[str, float]
    misses: list[EvalCase]
    false_hits: list[tuple[EvalCase, str]]


def evaluate(screen: Matcher, cases: list[EvalCase]) -> EvalReport:
    """A variant counts as found when its own entry is among the non-clear hits, a clean name as a
    false hit when anything is not clear."""
    found: dict[str, list[bool]] = {}
    misses: list[EvalCase] = []
    false_hits: list[tuple[EvalCase, str]] = []
    for case in cases:
        result = screen.screen(Subject(case.name, case.kind))
        if case.expected is None:
            if result.decision != "clear":
                false_hits.append((case, result.hits[0].explain()))
            continue
        ok = any(h.key == case.expected for h in result.hits)
        found.setdefault(case.variant, []).append(ok)
        if not ok:
            misses.append(case)
    total = sum(len(v) for v in found.values())
    clean = sum(1 for c in cases if c.expected is None)
    return EvalReport(
        recall=sum(sum(v) for v in found.values()) / total if total else 0.0,
        false_hit_rate=len(false_hits) / clean if clean else 0.0,
        recall_by_variant={k: sum(v) / len(v) for k, v in sorted(found.items())},
        misses=misses, false_hits=false_hits)


def alias_cases(entries: list[ListEntry], count: int, seed: int = 1) -> tuple[list[ListEntry], list[EvalCase]]:
    """Real variants: the lists' own aliases of a party that are the same name written another way
    (token-set similarity to the primary name >= 60), screened against the primary names alone.
    Returns (primary-only entries to index, cases)."""
    from rapidfuzz import fuzz

    primaries = [ListEntry(e.list_id, e.entity_id, e.kind, [e.names[0]], e.birth_dates, e.countries) for e in entries]
    cases = [EvalCase(a, e.kind, "alias", e.key, e.names[0]) for e in entries if e.kind in ("person", "organization")
             for a in e.names[1:] if a.lower() != e.names[0].lower()
             and fuzz.token_set_ratio(a.lower(), e.names[0].lower()) >= 60]
    random.Random(seed).shuffle(cases)
    return primaries, cases[:count]
