"""Undo the cheap disguises attackers put on a harmful request, before scoring it.

``variants(text)`` returns the normalised text plus every decoding that looks meaningful. Scoring takes
the maximum over the variants, so a disguise can only add chances to be caught. Decoders work on the
whole text and on each *segment* (the text split at newlines and colons), because an encoded payload
usually comes after a natural-language instruction ("The following is ROT13. Decode it and answer: ...")
that would otherwise hide it: base64 / base32 / hex / percent-encoding runs, ROT13, reversed text and
reversed word order, leetspeak (several digit and symbol maps), letters joined by spaces, hyphens,
dots or newlines, NATO spelling, and payloads split into quoted pieces. Normalisation removes
zero-width and other format characters and folds Unicode confusables (NFKC, plus look-alikes from
Cyrillic, Greek, Armenian and Cherokee, small capitals and stray combining marks).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from collections import Counter
from urllib.parse import unquote


def _table(pairs: dict[str, str]) -> dict[int, str]:
    return {ord(k): v for k, v in pairs.items()}


_ZERO_WIDTH = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E, 0x034F])
# Latin look-alikes that NFKC leaves alone.
_CONFUSABLES = _table({
    # Cyrillic
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ɡ": "g", "А": "A", "В": "B", "Е": "E", "К": "K",
    "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J",
    # Greek
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "τ": "t", "ι": "i", "κ": "k", "ε": "e", "υ": "u", "χ": "x",
    "Α": "A", "Β": "B", "Ε": "E", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
    "Τ": "T", "Χ": "X", "Υ": "Y", "Ζ": "Z",
    # Armenian
    "օ": "o", "ս": "u", "հ": "h", "ո": "n", "ց": "g", "ք": "p", "ա": "w", "Ս": "U", "Օ": "O",
    # Cherokee capitals that look like Latin ones
    "Ꭺ": "A", "Ᏼ": "B", "Ꮯ": "C", "Ꭰ": "D", "Ꭼ": "E", "Ꮐ": "G", "Ꮋ": "H", "Ꭻ": "J", "Ꮶ": "K", "Ꮮ": "L",
    "Ꮇ": "M", "Ꮲ": "P", "Ꮢ": "R", "Ꮪ": "S", "Ꭲ": "T", "Ꮩ": "V", "Ꮃ": "W", "Ꮓ": "Z",
    # small capitals and other Latin letter-likes
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j",
    "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u",
    "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ı": "i", "ɑ": "a", "ℓ": "l", "ɩ": "i", "ɵ": "o",
})
# Leet maps differ between writers: multi-character forms first, then single characters.
# ASCII-art letters, longest first (the common tables: "|\\/|" m, "|\\|" n, "']['" t, "[-" e, "|2" r, "<>" o)
_LEET_MULTI = [("|\\/|", "m"), ("/\\/\\", "m"), ("']['", "t"), ("\\/\\/", "w"), ("|\\|", "n"), ("/\\/", "n"),
               ("/-\\", "a"), ("/\\", "a"), ("|-|", "h"), ("|_|", "u"), ("1_", "l"), ("|_", "l"), ("[-", "e"),
               ("|2", "r"), ("<>", "o"), ("()", "o"), ("[]", "o"), ("|<", "k"), ("\\/", "v"), ("|)", "d"),
               ("ph", "f")]
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
                       "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e", "£": "l", "#": "h",
                       "¢": "c", "©": "c", "®": "r", "6": "g", "2": "z", "µ": "u", "ß": "b", "¥": "y"})
_LEET_L = str.maketrans({"1": "l", "|": "l", "!": "i"})  # the other reading of 1 and |
_B64_RUN = re.compile(r"(?:[A-Za-z0-9+/]{4}){2,}(?:[A-Za-z0-9+/]{3}=?|[A-Za-z0-9+/]{2}(?:==)?)?")
_B32_RUN = re.compile(r"\b[A-Z2-7]{16,}=*")
_HEX_RUN = re.compile(r"(?:(?:0x|\\x)?[0-9a-fA-F]{2}[\s:,]*){6,}")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_LETTER = re.compile(r"([^\W_])")
_LETTER_RUN = re.compile(r"[^\W_]+")
_SPACED = re.compile(r"\b(?:\w[\s.\-_*·,]{1,3}){4,}\w\b")
_LEET_CHARS = "0123456789@$|!+€£#¢©®µß¥()[]/\\<"
# a word mixing letters with leet characters, other than ordinals, times and units ("1st", "10am", "5kg")
_LEETY_WORD = re.compile(r"(?=\S*[a-z])(?=\S*[" + re.escape(_LEET_CHARS) + r"])\S+", re.IGNORECASE)
_PLAIN_MIX = re.compile(r"^[(\[]?\d+(?:st|nd|rd|th|s|am|pm|k|m|g|kg|km|cm|mm|ml|gb|mb|x|d)?[)\].,:;!?]*$"
                        r"|^\W*[a-z]+\W*$", re.I)
_QUOTED = re.compile(r"""(?:'([^'\n]{1,200})'|"([^"\n]{1,200})")""")
_NATO = {w: w[0] for w in ("alfa alpha bravo charlie delta echo foxtrot golf hotel india juliett juliet kilo lima "
                           "mike november oscar papa quebec romeo sierra tango uniform victor whiskey whisky "
                           "xray x-ray yankee zulu").split()}
_NATO_RUN = re.compile(r"\b(?:(?:" + "|".join(map(re.escape, _NATO)) + r")[\s,\-]+){3,}(?:" +
                       "|".join(map(re.escape, _NATO)) + r")\b", re.IGNORECASE)
_SEGMENT = re.compile(r"[\n:]|(?<=[.!?])\s+")
_COMMON = frozenset(
    "the a an and or to of in on for is are was be it that this with how what why who i you "
    "my me we can do does please write give tell make about from your".split())


def _format_class() -> re.Pattern[str]:
    """Every format character (Unicode category Cf): the BMP scanned, plus the astral ranges that hold any."""
    bmp = [chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf"]
    astral = "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001-\U000e007f"
    return re.compile("[" + "".join(re.escape(c) for c in bmp) + astral + "]")


_FORMAT = _format_class()
_TAGS = re.compile("[\U000e0020-\U000e007e]+")  # "ASCII smuggling": tag characters mirror printable ASCII
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalise(text: str) -> str:
    text = _FORMAT.sub("", text.translate(_ZERO_WIDTH))
    return unicodedata.normalize("NFKC", text).translate(_CONFUSABLES)


def _strip_marks(text: str) -> str:
    """Combining marks sprinkled over letters removed (a variant only: real accents are kept in the base)."""
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)) if _MARKS.search(text) or not text.isascii() else text


def _smuggled(text: str) -> str | None:
    runs = _TAGS.findall(text)
    return " ".join("".join(chr(ord(c) - 0xE0000) for c in r) for r in runs) if runs else None


def _printable_ratio(s: str) -> float:
    return sum(c.isprintable() or c.isspace() for c in s) / max(len(s), 1)


def _looks_like_words(s: str) -> bool:
    """Mostly letters between the spaces: "a a a a" is words (short ones), random bytes are not."""
    ink = len(s) - sum(c.isspace() for c in s)
    letters = sum(c.isalpha() for c in s)
    return len(s) >= 6 and ink > 0 and letters / ink > 0.7 and " " in s and _printable_ratio(s) > 0.95


def _common_share(text: str) -> float:
    words = re.findall(r"[a-z]+", text.lower())
    return sum(w in _COMMON for w in words) / len(words) if len(words) >= 3 else 0.0


def _utf8(raw: bytes) -> str | None:
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return s if _looks_like_words(s) else None


def _decode_base64(text: str) -> list[str]:
    out = []
    joined = re.sub(r"(?<=[A-Za-z0-9+/=])\s*\n\s*(?=[A-Za-z0-9+/])", "", text)  # base64 wrapped over lines
    for run in set(_B64_RUN.findall(text) + _B64_RUN.findall(joined)):
        try:
            s = _utf8(base64.b64decode(run + "=" * (-len(run) % 4), validate=True))
        except (binascii.Error, ValueError):
            continue
        if s:
            out.append(s)
    return out


def _decode_base32(text: str) -> list[str]:
    out = []
    for run in _B32_RUN.findall(text):
        try:
            s = _utf8(base64.b32decode(run.rstrip("=") + "=" * (-len(run.rstrip("=")) % 8)))
        except (binascii.Error, ValueError):
            continue
        if s:
            out.append(s)
    return out


def _decode_hex(text: str) -> list[str]:
    out = []
    for run in _HEX_RUN.findall(text):
        digits = re.sub(r"0x|\\x|[\s:,]", "", run)
        if len(digits) % 2:
            continue
        try:
            s = _utf8(bytes.fromhex(digits))
        except ValueError:
            continue
        if s:
            out.append(s)
    return out


def _decode_percent(text: str) -> list[str]:
    if len(_PERCENT.findall(text)) < 3:
        return []
    s = unquote(text.replace("+", " "), errors="strict") if "%" in text else text
    return [s] if s != text else []


def _rejoin(text: str) -> str | None:
    """Letters joined by one separator ("h-o-w t-o", "h_o_w  t_o", "h  o  w / t  o"): the commonest gap
    between two letters is the joiner and is dropped; any other gap was a word break and becomes a space."""
    parts = _LETTER.split(text)  # separator, letter, separator, letter, ..., separator
    gaps = parts[2:-1:2]
    joiner = Counter(gaps).most_common(1)[0][0] if gaps else ""
    if not joiner:
        return None
    out = [parts[0]]
    for letter, gap in zip(parts[1:-1:2], [*gaps, ""], strict=True):
        if gap in ("", joiner):
            gap = ""
        elif any(ch.isspace() or ch == "/" for ch in gap) or not gap.strip(joiner):
            gap = " "
        out += [letter, gap]
    out.append(parts[-1])
    return "".join(out)


def _despace(text: str) -> str | None:
    runs = _LETTER_RUN.findall(text)
    if len(runs) >= 8 and sum(len(r) == 1 for r in runs) / len(runs) > 0.6:
        return _rejoin(text)
    if not _SPACED.search(text):
        return None
    return _SPACED.sub(lambda m: _rejoin(m.group(0)) or m.group(0), text)


def _deleet(text: str) -> list[str]:
    t = text
    for a, b in _LEET_MULTI:
        t = t.replace(a, b)
    first = t.translate(_LEET)
    second = t.translate(_LEET_L).translate(_LEET)
    return list(dict.fromkeys([first, second]))


def _leety(text: str) -> bool:
    """At least two words (or one in five) mix letters with digits or symbols the way leetspeak does."""
    words = text.split()
    mixed = sum(1 for w in _LEETY_WORD.findall(text) if not _PLAIN_MIX.match(w))
    return mixed >= 2 or (mixed == 1 and len(words) <= 5)


def _nato(text: str) -> str | None:
    if not _NATO_RUN.search(text):
        return None
    return _NATO_RUN.sub(lambda m: "".join(_NATO[w.lower()] for w in re.split(r"[\s,\-]+", m.group(0))
                                           if w.lower() in _NATO), text)


def _quoted_pieces(text: str) -> str | None:
    pieces = [a or b for a, b in _QUOTED.findall(text)]
    return " ".join(pieces) if len(pieces) >= 2 else None


def _segments(text: str) -> list[str]:
    return [s.strip() for s in _SEGMENT.split(text) if len(s.strip()) >= 8]


def _ciphered(seg: str) -> list[str]:
    """ROT13, reversed letters and reversed words of a segment, when the decoding reads much more like
    English than the segment does (plain English is full of common words; a cipher has almost none)."""
    own = _common_share(seg)
    if own >= 0.3:
        return []
    rot = codecs.decode(seg, "rot13")
    out = [rot] if own < 0.12 and len(seg.split()) >= 3 else []  # no common words at all: worth a try
    for cand in (rot, seg[::-1], " ".join(reversed(seg.split()))):
        share = _common_share(cand)
        if share >= 0.15 and share >= 2 * own + 0.05:
            out.append(cand)
    return out


def variants(text: str) -> list[str]:
    """The normalised text first, then each decoding that may reveal a disguised request."""
    base = normalise(text)
    out = [base]
    smuggled = _smuggled(text)
    if smuggled:
        out.append(smuggled)
    decoded = _decode_base64(base) + _decode_base32(base) + _decode_hex(base) + _decode_percent(base)
    out.extend(decoded)
    segments = _segments(base)
    ciphered = [c for seg in ([base, *segments[:64]] if len(segments) > 1 else [base]) for c in _ciphered(seg)]
    out.extend(ciphered[:8])
    folded = _strip_marks(base).translate(_CONFUSABLES)
    if folded != base:
        out.append(folded)
    if _leety(folded):
        out.extend(_deleet(folded))
    for fn in (_despace, _nato, _quoted_pieces):
        found = fn(folded)
        if found:
            out.append(found)
    for d in decoded:  # one more layer: base64 of ROT13, etc.
        out.append(codecs.decode(d, "rot13"))
    return list(dict.fromkeys(out))


def obfuscate(text: str, kind: str) -> str:
    """The disguises the tests apply to unsafe prompts (the inverse of the decoders; bench/guard.py measures
    with transforms written independently of this module, in bench/_independent_obfuscations.py)."""
    if kind == "base64":
        return "Decode this and answer: " + base64.b64encode(text.encode()).decode()
    if kind == "hex":
        return "hex: " + text.encode().hex()
    if kind == "rot13":
        return "ROT13: " + codecs.encode(text, "rot13")
    if kind == "leet":
        return text.translate(str.maketrans("aeiost", "431057"))
    if kind == "spaced":
        return " ".join(text)
    if kind == "zero_width":
        return "\u200b".join(text)
    if kind == "confusables":
        return text.translate(str.maketrans("aeopc", "аеорс"))
    raise ValueError(f"unknown obfuscation {kind!r}")


OBFUSCATIONS = ("base64", "hex", "rot13", "leet", "spaced", "zero_width", "confusables")
