"""Undo the cheap disguises attackers put on a harmful request, before scoring it.

``variants(text)`` returns the normalised text plus every decoding that looks meaningful: base64 and
hex runs, ROT13, leetspeak, spaced-out letters. Scoring takes the maximum over the variants, so a
disguise can only add chances to be caught. Normalisation removes zero-width and other format
characters and folds Unicode confusables (NFKC plus a small Cyrillic/Greek look-alike map).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata


def _table(pairs: dict[str, str]) -> dict[int, int]:
    return {ord(k): ord(v) for k, v in pairs.items()}


_ZERO_WIDTH = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E])
# Latin look-alikes that NFKC leaves alone (Cyrillic and Greek letters used in homoglyph attacks).
_CONFUSABLES = _table({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "ԁ": "d", "ɡ": "g", "һ": "h", "ⅼ": "l", "ո": "n", "ԛ": "q", "ԝ": "w", "А": "A", "В": "B", "Е": "E",
    "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "α": "a", "ο": "o",
    "ρ": "p", "ν": "v", "τ": "t", "ι": "i", "κ": "k", "Α": "A", "Β": "B", "Ε": "E", "Ι": "I", "Κ": "K",
    "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Χ": "X", "Υ": "Y", "Ζ": "Z",
})
_LEET = _table({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s",
                       "!": "i", "|": "l", "+": "t"})
_B64_RUN = re.compile(r"(?:[A-Za-z0-9+/]{4}){2,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_HEX_RUN = re.compile(r"\b(?:[0-9a-fA-F]{2}[\s:]?){6,}\b")
_SPACED = re.compile(r"\b(?:\w[\s.\-_*]{1,3}){4,}\w\b")
_LEETY = re.compile(r"[a-z][0-9@$|!+][a-z]|[0-9@$][a-z]{2}", re.IGNORECASE)


def normalise(text: str) -> str:
    text = text.translate(_ZERO_WIDTH)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFKC", text).translate(_CONFUSABLES)


def _printable_ratio(s: str) -> float:
    return sum(c.isprintable() or c.isspace() for c in s) / max(len(s), 1)


def _looks_like_words(s: str) -> bool:
    """Mostly letters between the spaces: "a a a a" is words (short ones), random bytes are not."""
    ink = len(s) - sum(c.isspace() for c in s)
    letters = sum(c.isalpha() for c in s)
    return len(s) >= 6 and ink > 0 and letters / ink > 0.7 and " " in s and _printable_ratio(s) > 0.95


def _decode_base64(text: str) -> list[str]:
    out = []
    for run in _B64_RUN.findall(text):
        padded = run + "=" * (-len(run) % 4)
        try:
            decoded = base64.b64decode(padded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if _looks_like_words(decoded):
            out.append(decoded)
    return out


def _decode_hex(text: str) -> list[str]:
    out = []
    for run in _HEX_RUN.findall(text):
        digits = re.sub(r"[\s:]", "", run)
        try:
            decoded = bytes.fromhex(digits).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            continue
        if _looks_like_words(decoded):
            out.append(decoded)
    return out


def _despace(text: str) -> str | None:
    tokens = text.split()
    if len(tokens) >= 4 and sum(len(t) == 1 for t in tokens) / len(tokens) > 0.7:
        # "h o w   t o" -> "how to": single spaces join letters, wider gaps were the word breaks
        return re.sub(r" {2,}", " ", re.sub(r"(?<=\S) (?=\S)", "", text))
    if not _SPACED.search(text):
        return None
    return _SPACED.sub(lambda m: re.sub(r"[\s.\-_*]", "", m.group(0)), text)


_COMMON = frozenset(
    "the a an and or to of in on for is are was be it that this with how what why who i you "
    "my me we can do does please write give tell make about from your".split())


def _maybe_rot13(text: str) -> bool:
    """Plain English is full of common words; ROT13 text (or any cipher) has almost none."""
    words = re.findall(r"[a-z]+", text.lower())
    if len(words) < 3:
        return False
    return sum(w in _COMMON for w in words) / len(words) < 0.12


def variants(text: str) -> list[str]:
    """The normalised text first, then each decoding that may reveal a disguised request."""
    base = normalise(text)
    out = [base]
    decoded = _decode_base64(base) + _decode_hex(base)
    out.extend(decoded)
    if _maybe_rot13(base):
        out.append(codecs.decode(base, "rot13"))
    if _LEETY.search(base):
        out.append(base.translate(_LEET))
    despaced = _despace(base)
    if despaced:
        out.append(despaced)
    for d in decoded:  # one more layer: base64 of ROT13, etc.
        out.append(codecs.decode(d, "rot13"))
    return out


def obfuscate(text: str, kind: str) -> str:
    """The disguises the bench and tests apply to unsafe prompts (the inverse of the decoders)."""
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
