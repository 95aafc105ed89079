"""Privacy-preserving content fingerprints: what the monitor keeps of a prompt instead of its text.

A fingerprint holds two keyed 64-bit SimHashes (of the prompt's word shingles, and of its *template*:
the prompt with numbers, names, quoted spans, code, URLs and e-mail addresses masked), the prompt's
length, a script-based language guess, a coarse topic and whether it asks for step-by-step reasoning.
Near-duplicate prompts have SimHashes a few bits apart, so the monitor can see rephrasings and
templated traffic without keeping any text. Every shingle is hashed with a key derived from the server
secret: without the key nobody can test a guessed prompt against a stored fingerprint, and
fingerprints made under different keys cannot be compared. The text itself is never stored here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

_KEY_LABEL = b"bastion/monitor/fingerprint/v1"

# Masks for the template, in one pass: alternatives are tried in order at each position (a URL holds
# dots and digits, an address holds a name, code holds anything).
_SLOTS = re.compile(
    r"(?P<url>\b(?:[hH][tT][tT][pP][sS]?://|www\.)\S+)"
    r"|(?P<email>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b)"
    r"|(?P<code>```.*?```|`[^`\n]+`)"
    r"|(?P<q>\"[^\"\n]{1,2000}\"|“[^”\n]{1,2000}”|‘[^’\n]{1,2000}’|«[^»\n]{1,2000}»|(?<!\w)'[^'\n]{1,2000}'(?!\w))"
    r"|(?P<num>\d+(?:[.,:/-]\d+)*)",
    re.DOTALL,
)
_MASKS = {"url": " <url> ", "email": " <email> ", "code": " <code> ", "q": " <q> ", "num": " <num> "}
# One token per CJK character (those scripts have no spaces), words otherwise; masks are kept whole.
_TOKEN = re.compile(r"<[a-z]+>|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]|\w+")
_TEMPLATE_TOKEN = re.compile(r"<[a-z]+>|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]|\w+|[.!?:;\n]")
_SENTENCE_END = frozenset(".!?:;\n")

# "Explain your reasoning step by step": requests that ask the model to show its chain of thought,
# the richest training signal for a distiller.
_COT = re.compile(
    r"step[- ]by[- ]step|chain[- ]of[- ]thought|show (?:your|all|the) (?:work|working|reasoning|thinking|steps)"
    r"|explain (?:your|the|each) (?:reasoning|thought process|steps)|think (?:carefully|aloud|out loud|it through)"
    r"|reason (?:through|carefully|step)|walk (?:me )?through (?:your|the) (?:reasoning|logic|steps)"
    r"|<think>|let'?s think|thought process|before answering,? (?:think|reason)",
    re.IGNORECASE,
)

# Scripts by ISO 15924 code; the language guess is the dominant script (cheap, and enough to see
# one key switching between, say, Latin and Han traffic).
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Latn", re.compile(r"[A-Za-z\u00c0-\u024f]")),
    ("Cyrl", re.compile(r"[\u0400-\u04ff]")),
    ("Hani", re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")),
    ("Jpan", re.compile(r"[\u3040-\u30ff]")),
    ("Kore", re.compile(r"[\uac00-\ud7af]")),
    ("Arab", re.compile(r"[\u0600-\u06ff]")),
    ("Hebr", re.compile(r"[\u0590-\u05ff]")),
    ("Deva", re.compile(r"[\u0900-\u097f]")),
    ("Grek", re.compile(r"[\u0370-\u03ff]")),
    ("Thai", re.compile(r"[\u0e00-\u0e7f]")),
)

# A coarse capability / subject area, from a small keyword lexicon: enough to see an account sweep
# systematically across many areas (a capability map being extracted), not a classifier.
_TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "code": ("code", "function", "python", "javascript", "bug", "compile", "api", "class", "variable", "sql",
             "algorithm", "program", "debug", "rust", "java", "regex", "refactor", "script", "typescript"),
    "math": ("math", "equation", "integral", "derivative", "prove", "proof", "theorem", "matrix", "probability",
             "algebra", "geometry", "calculus", "solve", "polynomial", "statistics", "lemma"),
    "physics": ("physics", "quantum", "energy", "force", "momentum", "relativity", "particle", "thermodynamics",
                "velocity", "gravity", "electron", "photon", "magnetic"),
    "chemistry": ("chemistry", "chemical", "molecule", "reaction", "compound", "acid", "synthesis", "catalyst",
                  "organic", "bond", "element", "oxidation", "polymer"),
    "biology": ("biology", "cell", "protein", "gene", "dna", "enzyme", "evolution", "organism", "virus",
                "bacteria", "species", "photosynthesis", "genome", "rna"),
    "medicine": ("medicine", "medical", "disease", "symptom", "treatment", "patient", "drug", "diagnosis",
                 "clinical", "dose", "therapy", "cancer", "infection", "surgery"),
    "law": ("law", "legal", "contract", "court", "statute", "liability", "plaintiff", "regulation", "lawsuit",
            "attorney", "clause", "jurisdiction", "tort", "copyright"),
    "finance": ("finance", "financial", "stock", "investment", "interest", "loan", "tax", "accounting", "market",
                "portfolio", "revenue", "budget", "bond", "inflation", "bank"),
    "history": ("history", "historical", "war", "empire", "century", "revolution", "ancient", "dynasty",
                "medieval", "civilization", "treaty", "colonial"),
    "language": ("translate", "translation", "grammar", "spanish", "french", "german", "chinese", "synonym",
                 "sentence", "vocabulary", "pronunciation", "language"),
    "writing": ("story", "poem", "essay", "write", "novel", "character", "plot", "fiction", "blog", "letter",
                "lyrics", "narrative"),
    "business": ("business", "marketing", "strategy", "customer", "product", "sales", "startup", "management",
                 "email", "meeting", "brand", "pitch"),
    "security": ("security", "exploit", "vulnerability", "malware", "encryption", "password", "attack", "hack",
                 "firewall", "phishing", "cve", "payload"),
}
_TOPIC_OF: dict[str, str] = {w: t for t, words in _TOPIC_WORDS.items() for w in words}
TOPICS: tuple[str, ...] = (*_TOPIC_WORDS, "general")

_CACHE_LIMIT = 200_000
_FRAME_TOKENS = 4


@dataclass(frozen=True, slots=True)
class ContentFingerprint:
    """What the monitor keeps of one prompt (no text)."""

    simhash: int  # 64-bit keyed SimHash of the prompt's word shingles (1- and 2-grams)
    template: int  # the same over the masked template
    frame: int  # keyed hash of the template's first and last few tokens (a long slot in the middle
    #             moves the template SimHash; the frame around it stays the same)
    length: int  # characters
    language: str  # dominant script, ISO 15924 (``Zyyy`` when none)
    topic: str  # one of TOPICS
    cot: bool  # asks for step-by-step reasoning / chain of thought


def hamming(a: int, b: int) -> int:
    """Bits in which two 64-bit fingerprints differ."""
    return (a ^ b).bit_count()


def derive_key(secret: str | bytes) -> bytes:
    """The fingerprint key: an HMAC of a fixed label under the server secret (never the secret itself)."""
    raw = secret.encode() if isinstance(secret, str) else secret
    if not raw:
        raise ValueError("the fingerprint key needs a non-empty secret")
    return hmac.new(raw, _KEY_LABEL, hashlib.sha256).digest()


def mask_template(text: str) -> str:
    """The prompt with its slots masked: what stays constant across a templated campaign."""
    t = _SLOTS.sub(_mask, text)
    out: list[str] = []
    start = True  # sentence-initial capitals are grammar, not names
    for tok in _TEMPLATE_TOKEN.findall(t):
        if tok in _SENTENCE_END:
            start = True
            continue
        if tok[0].isupper() and not start:
            out.append("<name>")
        else:
            out.append(tok.lower())
        start = False
    return " ".join(out)


def _mask(m: re.Match[str]) -> str:
    return _MASKS[m.lastgroup or "q"]


def guess_script(text: str) -> str:
    sample = text[:2000]
    if sample.isascii():
        return "Latn" if any(c.isalpha() for c in sample) else "Zyyy"
    best, best_n = "Zyyy", 0
    for code, pattern in _SCRIPTS:
        n = len(pattern.findall(sample))
        if n > best_n:
            best, best_n = code, n
    return best


def guess_topic(tokens: list[str]) -> str:
    counts: dict[str, int] = {}
    for tok in tokens:
        topic = _TOPIC_OF.get(tok)
        if topic is not None:
            counts[topic] = counts.get(topic, 0) + 1
    if not counts:
        return "general"
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]


class Fingerprinter:
    """Turns prompt text into a ContentFingerprint under one key. Keeps a bounded cache of keyed
    feature hashes (hashes, never text, are the values; the cache is dropped when it fills)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("fingerprint key must be at least 16 bytes")
        self._key = key[:64]
        self._cache: dict[str, bytes] = {}

    @classmethod
    def from_secret(cls, secret: str | bytes) -> Fingerprinter:
        return cls(derive_key(secret))

    def _feature(self, feature: str) -> bytes:
        h = self._cache.get(feature)
        if h is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            h = hashlib.blake2b(feature.encode(), digest_size=8, key=self._key).digest()
            self._cache[feature] = h
        return h

    def simhash(self, tokens: list[str]) -> int:
        """64-bit SimHash over unigrams and adjacent pairs (pairs keep some word order)."""
        if not tokens:
            return 0
        feature = self._feature
        feats = [feature(t) for t in tokens]
        feats.extend(feature(a + "\x1f" + b) for a, b in pairwise(tokens))
        # each bit of the result is the majority vote of that bit over all features
        bits = np.unpackbits(np.frombuffer(b"".join(feats), dtype=np.uint8)).reshape(-1, 64)
        ones = bits.sum(axis=0, dtype=np.int32)
        return int.from_bytes(np.packbits(ones * 2 > len(feats)).tobytes(), "big")

    def frame(self, template_tokens: list[str]) -> int:
        head = " ".join(template_tokens[:_FRAME_TOKENS])
        tail = " ".join(template_tokens[-_FRAME_TOKENS:]) if len(template_tokens) > _FRAME_TOKENS else ""
        return int.from_bytes(self._feature("\x1eframe\x1e" + head + "\x1e" + tail), "big")

    def fingerprint(self, text: str) -> ContentFingerprint:
        tokens = _TOKEN.findall(text.lower())
        template_tokens = _TOKEN.findall(mask_template(text))
        return ContentFingerprint(
            simhash=self.simhash(tokens),
            template=self.simhash(template_tokens),
            frame=self.frame(template_tokens),
            length=len(text),
            language=guess_script(text),
            topic=guess_topic(tokens),
            cot=_COT.search(text) is not None,
        )
