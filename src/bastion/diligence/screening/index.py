"""The in-memory screening index: every name of every list entry, found by token, not by scan.

Names are normalised once at build time. Three inverted indexes over the names' tokens find
candidates for a subject in a few dictionary lookups:

* phonetic forms (one spelling per sound: ``khalid`` / ``chalid``, ``jokic`` / ``dzhokik``);
* consonant skeletons (vowel changes and unwritten vowels: ``mohammed`` / ``muhamad`` / ``mhmd``);
* one-character deletions of every phonetic form of four letters or more (SymSpell's trick), so
  a typo or a dropped letter on either side still meets its token.

Postings are kept as one CSR array per index (token id -> slice of name ids), which keeps a
million entries in a few hundred MB and lets numpy total the evidence per name.
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bastion.diligence.screening.model import ListEntry
from bastion.diligence.screening.names import ARTICLES, PARTICLES, normalise, phonetic, skeleton
from bastion.diligence.screening.romanise import chinese_key, is_chinese, is_korean, korean_key

IntArray = npt.NDArray[np.int32]
MIN_DELETE_LEN = 4
PATRONYMIC_ENDINGS = ("ovich", "evich", "avich", "ovych", "evych", "ovna", "evna", "avna", "ichna", "ovitch")
# Weak evidence (a near spelling, a shared skeleton) from a posting list longer than this is
# skipped: it would rank thousands of names equally and cost more than it tells.
WEAK_MAX = 4000


def _romanised_keys(toks: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    if is_korean(toks):
        out += ["k:" + korean_key(t) for t in toks]
    if is_chinese(toks):
        out += ["c:" + chinese_key(t) for t in toks if len(t) >= 2]
    return out


def deletions(token: str) -> set[str]:
    return {token[:i] + token[i + 1:] for i in range(len(token))}


class _Postings:
    """A CSR inverted index from string keys to sorted name ids."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self._keys = array("i")
        self._names = array("i")
        self.offsets: IntArray = np.zeros(1, dtype=np.int32)
        self.values: IntArray = np.zeros(0, dtype=np.int32)

    def add(self, key: str, name_id: int) -> None:
        kid = self.ids.setdefault(key, len(self.ids))
        self._keys.append(kid)
        self._names.append(name_id)

    def freeze(self) -> None:
        keys = np.frombuffer(self._keys, dtype=np.int32) if len(self._keys) else np.zeros(0, np.int32)
        names = np.frombuffer(self._names, dtype=np.int32) if len(self._names) else np.zeros(0, np.int32)
        order = np.lexsort((names, keys))
        keys, names = keys[order], names[order]
        # drop duplicate (key, name) pairs: a token that occurs twice in one name counts once
        keep = np.ones(len(keys), dtype=bool)
        if len(keys) > 1:
            keep[1:] = (keys[1:] != keys[:-1]) | (names[1:] != names[:-1])
        keys, names = keys[keep], names[keep]
        counts = np.bincount(keys, minlength=len(self.ids)).astype(np.int32)
        self.offsets = np.zeros(len(self.ids) + 1, dtype=np.int32)
        np.cumsum(counts, out=self.offsets[1:])
        self.values = names.astype(np.int32)
        self._keys, self._names = array("i"), array("i")

    def get(self, key: str) -> IntArray | None:
        kid = self.ids.get(key)
        if kid is None:
            return None
        return self.values[self.offsets[kid]:self.offsets[kid + 1]]

    def df(self, key: str) -> int:
        kid = self.ids.get(key)
        return 0 if kid is None else int(self.offsets[kid + 1] - self.offsets[kid])


@dataclass(frozen=True, slots=True)
class IndexedName:
    name_id: int
    entry: ListEntry
    display: str
    tokens: tuple[str, ...]
    surname: frozenset[str] = frozenset()  # the entry's marked surname tokens (``ListEntry.surnames``)


class ScreeningIndex:
    def __init__(self, entries: Iterable[ListEntry]) -> None:
        self.entries: list[ListEntry] = []
        self._name_entry = array("i")
        self._name_alias = array("h")
        self._name_len = array("b")
        self._name_tokens: list[str] = []  # space-joined normalised tokens, one string per name rendering
        self._tokens = _Postings()
        self._phonetic = _Postings()
        self._skeletons = _Postings()
        self._romanised = _Postings()  # Korean / Chinese syllables by romanisation key ("k:jong", "c:xu")
        self._surnames: dict[int, frozenset[str]] = {}  # entry index -> surname tokens, where marked
        self._deletes: dict[str, list[str]] = {}
        self._skeleton_deletes: dict[str, list[str]] = {}
        for entry in entries:
            eid = len(self.entries)
            self.entries.append(entry)
            if entry.surnames:
                marked = frozenset(t for s in entry.surnames for toks in normalise(s, "person") for t in toks
                                   if t not in PARTICLES and len(t) > 1)
                if marked:
                    self._surnames[eid] = marked
            for alias, raw in enumerate(entry.names[:32767]):
                for toks in normalise(raw, entry.kind):
                    nid = len(self._name_tokens)
                    self._name_tokens.append(" ".join(toks))
                    self._name_entry.append(eid)
                    self._name_alias.append(alias)
                    self._name_len.append(min(len(toks), 127))
                    for key in _romanised_keys(toks):
                        self._romanised.add(key, nid)
                    for tok in toks:
                        self._tokens.add(tok, nid)
                        self._phonetic.add(phonetic(tok), nid)
                        sk = skeleton(tok)
                        if len(sk) >= 2:
                            self._skeletons.add(sk, nid)
        self._tokens.freeze()
        self._phonetic.freeze()
        self._skeletons.freeze()
        self._romanised.freeze()
        for tok in self._phonetic.ids:
            if len(tok) >= MIN_DELETE_LEN:
                for d in deletions(tok):
                    self._deletes.setdefault(d, []).append(tok)
        for sk in self._skeletons.ids:
            if len(sk) >= MIN_DELETE_LEN:
                for d in deletions(sk):
                    self._skeleton_deletes.setdefault(d, []).append(sk)
        self.name_count = len(self._name_tokens)
        self._weights: dict[str, float] = {}
        self._log_n = math.log(1 + max(self.name_count, 1))

    def __len__(self) -> int:
        return len(self.entries)

    # -- weights ------------------------------------------------------------------------------------

    def weight(self, token: str) -> float:
        """Inverse document frequency: a rare token says more than ``trading`` or ``mohammed``."""
        w = self._weights.get(token)
        if w is None:
            df = self._tokens.df(token) or self._phonetic.df(phonetic(token))
            w = math.log(1 + self.name_count / df) if df else self._log_n
            w = w * 0.25 if token in PARTICLES or len(token) == 1 else w
            if len(self._weights) < 1 << 18:  # the index is immutable: a token's weight never changes
                self._weights[token] = w
        return w

    # -- retrieval ----------------------------------------------------------------------------------

    def similar_forms(self, form: str) -> set[str]:
        """Phonetic forms in the index within about one edit of ``form`` (insert, delete, substitute)."""
        out: set[str] = set()
        known = self._phonetic.ids
        if form in known:
            out.add(form)
        out.update(self._deletes.get(form, ()))  # the subject lost a letter
        if len(form) > MIN_DELETE_LEN:
            for d in deletions(form):
                if d in known:
                    out.add(d)  # the subject gained a letter
                out.update(self._deletes.get(d, ()))  # one letter differs
        return out

    def candidates(self, renderings: Sequence[tuple[str, ...]], limit: int = 24, abjad: bool = False,
                   max_df: int = 200_000) -> list[IndexedName]:
        """The ``limit`` names with the most token evidence in common with any rendering. Each
        token of the subject counts once per name, with its strongest piece of evidence."""
        chunks: list[IntArray] = []
        weights: list[npt.NDArray[np.float64]] = []
        for toks in renderings:
            # adjacent tokens written as one ("Jin Ping" / "Jinping") count only when spelt exactly so
            grams = [(t, False) for t in toks] + [(a + b, True) for a, b in itertools.pairwise(toks)]
            # a name with its article written apart ("Abd al Karim") against one written joined
            grams += [(a + b + c, True) for a, b, c in zip(toks, toks[1:], toks[2:], strict=False) if b in ARTICLES]
            for tok, merged in grams:
                particle = 0.25 if tok in PARTICLES or len(tok) == 1 else 1.0
                found_ids: list[IntArray] = []
                found_w: list[npt.NDArray[np.float64]] = []
                evidence = self._evidence(tok, abjad) if not merged else self._merged_evidence(tok, abjad)
                if not merged:
                    evidence += self._romanised_evidence(tok, toks)
                for found, factor in evidence:
                    if len(found) and len(found) <= max_df:
                        # the evidence is as strong as its posting list is short
                        w = math.log(1 + self.name_count / len(found)) * factor * particle
                        found_ids.append(found)
                        found_w.append(np.full(len(found), w))
                if not found_ids:
                    continue
                if len(found_ids) == 1:
                    chunks.append(found_ids[0])
                    weights.append(found_w[0])
                    continue
                ids_t, w_t = np.concatenate(found_ids), np.concatenate(found_w)
                order = np.lexsort((-w_t, ids_t))  # by name, strongest evidence first
                ids_t, w_t = ids_t[order], w_t[order]
                first = np.ones(len(ids_t), dtype=bool)
                first[1:] = ids_t[1:] != ids_t[:-1]
                chunks.append(ids_t[first])
                weights.append(w_t[first])
        if not chunks:
            return []
        ids = np.concatenate(chunks)
        uniq, inverse = np.unique(ids, return_inverse=True)
        totals = np.bincount(inverse, weights=np.concatenate(weights)).astype(np.float64)
        # among names with the same evidence, the shorter one explains more of itself
        lengths = np.frombuffer(self._name_len, dtype=np.int8)[uniq].astype(np.float64)
        totals /= 1.0 + 0.1 * lengths
        if len(uniq) > limit:
            top = np.argpartition(-totals, limit)[:limit]
            top = top[np.argsort(-totals[top])]
        else:
            top = np.argsort(-totals)
        return [self.name(int(uniq[i])) for i in top]

    def _split_evidence(self, form: str) -> list[tuple[IntArray, float]]:
        """A token the lists write as two ("Jongun" / "Jong Un"): names holding both halves."""
        known = self._phonetic.ids
        if len(form) < 5 or form in known:
            return []
        for i in range(2, len(form) - 1):
            left, right = self._phonetic.get(form[:i]), self._phonetic.get(form[i:])
            if left is not None and right is not None:
                both = np.intersect1d(left, right, assume_unique=True)
                if len(both):
                    return [(both.astype(np.int32), 1.0)]
        return []

    def _romanised_evidence(self, tok: str, toks: tuple[str, ...]) -> list[tuple[IntArray, float]]:
        """A Korean or Chinese syllable spelt in another system: names holding its key."""
        keys = (["k:" + korean_key(tok)] if is_korean(toks) else []) + \
               (["c:" + chinese_key(tok)] if is_chinese(toks) and len(tok) >= 2 else [])
        return [(found, 0.9) for k in keys if (found := self._romanised.get(k)) is not None and len(found) <= WEAK_MAX]

    def _merged_evidence(self, tok: str, abjad: bool) -> list[tuple[IntArray, float]]:
        """Two adjacent tokens written as one: the exact spelling, or (without vowels) the skeleton."""
        keys = [(self._phonetic, phonetic(tok))] + ([(self._skeletons, skeleton(tok, abjad))]
                                                   if abjad or len(skeleton(tok)) >= 5 else [])
        return [(found, 1.0) for postings, key in keys if (found := postings.get(key)) is not None
                and len(key) >= 3]

    def _evidence(self, tok: str, abjad: bool) -> list[tuple[IntArray, float]]:
        """Posting lists that hold names with a token like ``tok``, each with how much it counts.
        For a subject written without vowels (Arabic, Hebrew) the consonant skeleton is the best
        evidence and a near spelling the weakest; otherwise the other way round."""
        out: list[tuple[IntArray, float]] = []
        form = phonetic(tok)
        out += self._split_evidence(form)
        near_spelling, shared_skeleton = (0.4, 0.9) if abjad else (0.8, 0.6)
        for similar in self.similar_forms(form):
            found = self._phonetic.get(similar)
            if found is not None and (similar == form or len(found) <= WEAK_MAX):
                out.append((found, 1.0 if similar == form else near_spelling))
        sk = skeleton(tok, abjad)
        if abjad and skeleton(tok) != sk and len(skeleton(tok)) >= 2:  # the w read as a consonant too
            found = self._skeletons.get(skeleton(tok))
            if found is not None and len(found) <= WEAK_MAX:
                out.append((found, shared_skeleton))
        if len(sk) >= 2:
            found = self._skeletons.get(sk)
            if found is not None and len(found) <= WEAK_MAX:
                out.append((found, shared_skeleton))
            if len(sk) >= MIN_DELETE_LEN:  # one consonant more or less: "alexandros" / "alexander"
                near = set(self._skeleton_deletes.get(sk, ()))
                near.update(d for d in deletions(sk) if d in self._skeletons.ids)
                for other in near - {sk}:
                    found = self._skeletons.get(other)
                    if found is not None and len(found) <= WEAK_MAX:
                        out.append((found, 0.4))
        return out

    def name(self, name_id: int) -> IndexedName:
        eid = self._name_entry[name_id]
        entry = self.entries[eid]
        return IndexedName(name_id, entry, entry.names[self._name_alias[name_id]],
                            tuple(self._name_tokens[name_id].split()), self._surnames.get(eid, frozenset()))

    def stats(self) -> dict[str, int]:
        return {"entries": len(self.entries), "names": self.name_count, "tokens": len(self._tokens.ids),
                "phonetic": len(self._phonetic.ids),
                "skeletons": len(self._skeletons.ids), "deletions": len(self._deletes)}
