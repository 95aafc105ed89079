"""Scoring: how alike a subject and a list entry are, and why.

``name_similarity`` aligns the two token lists (each token pairs with at most one other), scores
each pair by edit similarity or a shared consonant skeleton, and weights every token by how rare it
is in the lists, so ``Acme Trading`` does not hit ``Zenith Trading``. Tokens of the entry that the
subject lacks cost less than the subject's unmatched tokens: dropping a middle name is common,
inventing one is not. Birth date, kind of party and country then move the score up or down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bastion.diligence.screening.features import Weights, adjust, compare
from bastion.diligence.screening.index import PATRONYMIC_ENDINGS, IndexedName, ScreeningIndex
from bastion.diligence.screening.model import (
    Decision,
    ScreeningHit,
    ScreeningResult,
    Subject,
    worst,
)
from bastion.diligence.screening.names import ARTICLES, PARTICLES, is_abjad, normalise, phonetic, skeleton, vowel_mask
from bastion.diligence.screening.romanise import chinese_key, is_chinese, is_korean, korean_key

PARTIAL_CAP = 0.94  # below the block threshold: a word on either side went unpaired
EXACT_NAME = 0.999  # a name score this high: every word the same as the listed name's
MIN_PAIR = 0.6  # below this two tokens are different words
# Partial-name costs chosen on the validation split (0.2 / 0.25 before issue 19; lower ones find more
# of the lists' real aliases, which are often a party's name with words left out or added).
MISSING_ENTRY_TOKEN = 0.1  # weight share charged for an entry token the subject lacks
# ... and for a subject token the entry lacks, when every token of the entry was found (at least
# two): a full name with a patronymic or middle name against a list's shorter form of it.
EXTRA_SUBJECT_TOKEN = 0.12
# A listed person's given names with another surname ("Ahmed Jan KHAN" for "Ahmed Jan WAZIR"): where
# the list marks the surname (OFAC's capitals), no surname word paired and the subject brings a word
# of its own in its place, the name scores at most this. Chosen on the validation split.
SURNAME_REPLACED_CAP = 0.8
JOIN_SKELETON_MIN = 5
FULL_NAME_WORDS = 2  # a listed name shorter than this (besides particles) is no full name: "Abu Yahya"


@dataclass(frozen=True, slots=True)
class Thresholds:
    review: float = 0.82
    block: float = 0.95

    def decide(self, score: float) -> Decision:
        return "block" if score >= self.block else "review" if score >= self.review else "clear"


@lru_cache(maxsize=1 << 16)
def token_similarity(a: str, b: str, abjad: bool = False, korean: bool = False, chinese: bool = False) -> float:
    """1 for the same token; about 0.9 for one sound spelt two ways, a vowel changed, or one typo in a
    longer word; well under ``MIN_PAIR`` for different words that merely share letters."""
    if a == b:
        return 1.0
    if a in ARTICLES and b in ARTICLES:  # as-Sayyid, al-Sayyid, el-Sayed
        return 1.0
    if korean and korean_key(a) == korean_key(b):  # Ri / Lee, O / Oh
        return 0.93
    if chinese and len(a) >= 2 and len(b) >= 2 and chinese_key(a) == chinese_key(b):
        return 0.92
    if (len(a) == 1 or len(b) == 1) and not abjad:  # an initial
        return 0.8 if a[0] == b[0] else 0.0
    pa, pb = phonetic(a), phonetic(b)
    if pa == pb:
        return 0.96
    longest = max(len(pa), len(pb))
    edits = OSA.distance(pa, pb)
    if edits == 1 and longest >= 4:  # a typo; rarely in the first letter, which sets a name apart
        return 0.93 if longest >= 5 and pa[0] == pb[0] else 0.84
    if edits == 2 and longest >= 9:
        return 0.88
    if vowel_mask(a) == vowel_mask(b) and (longest >= 6 or (edits == 1 and longest >= 3)):
        return 0.9  # only vowels differ: Muhammad / Mohammed, Ena / Ene (not Sato / Siti)
    stem = _common_prefix(pa, pb)
    if stem >= 6 and stem >= 0.7 * longest:  # one name, another ending: Alexandros / Alexander
        return 0.86
    for x, y in ((a, b), (b, a)):  # the article written joined: Elkaddafi / Qadhafi, Alzindani / Zindani
        if len(x) >= 6 and x[:2] in ("al", "el") and y[:2] not in ("al", "el"):
            inner = token_similarity(x[2:], y, abjad, korean, chinese)
            if inner >= MIN_PAIR + 0.2:
                return inner * 0.97
    if not abjad and pa[0] == pb[0]:
        # the same consonants in the same order, only the vowels spelt apart, as romanised Arabic
        # and Persian often are: Sbeity / Subayti, Meguid / Majid
        sa, sb = skeleton(a), skeleton(b)
        if sa == sb and len(sa) >= 3 and len(sa) >= 0.4 * longest:
            return 0.85
    if abjad:  # the subject was written without short vowels: compare consonants
        if a in ("l", "al") and b in ("l", "al"):  # the article al-, written ال
            return 1.0
        sa, sb = skeleton(a, abjad=True), skeleton(b)
        if sa != sb and skeleton(a) == sb:  # a written w that is a consonant after all: Hamawi
            sa = sb
        if sa == sb and sa:
            return 0.92 if len(sa) >= 2 else 0.85
        if len(sa) >= 4 and OSA.distance(sa, sb) == 1:
            return 0.85
    return 0.7 * fuzz.ratio(a, b) / 100.0


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _join_split_tokens(these: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, ...]:
    """Join two or three adjacent tokens of ``these`` that ``other`` writes as one ("Jong Un" /
    "Jongun", "Abd al Majid" / "Abdelmajid")."""
    if len(these) < 2 or set(other) <= set(these):  # nothing the other side writes as one
        return these
    wanted = {phonetic(t) for t in other if len(t) >= 4}
    # ... or with the article spelt another way: "Abd al Karim" / "Abdulkarim", "Jamal al Din" /
    # "Jamaleddine" (the same consonants, at least five of them)
    wanted_skeletons = {sk for t in other if len(t) >= 7 and len(sk := skeleton(t)) >= JOIN_SKELETON_MIN}
    out = list(these)
    i = 0
    while i < len(out) - 1:
        for span in (3, 2):
            joined = "".join(out[i:i + span])
            if i + span <= len(out) and (phonetic(joined) in wanted or (
                    span == 3 and out[i + 1] in ARTICLES and skeleton(joined) in wanted_skeletons)):
                out[i:i + span] = [joined]
                break
        i += 1
    return tuple(out)


def _weights(tokens: tuple[str, ...], weight: Callable[[str], float]) -> list[float]:
    """Token weights; a patronymic (Olegovich, Petrovna) before the last token weighs less: it is
    often left out, and says little once the name matched. (A surname may end the same way.)"""
    return [weight(t) * (0.3 if k < len(tokens) - 1 and len(t) >= 7 and t.endswith(PATRONYMIC_ENDINGS) else 1.0)
            for k, t in enumerate(tokens)]


def name_similarity(query: tuple[str, ...], name: tuple[str, ...], weight: Callable[[str], float],
                    abjad: bool = False, surname: frozenset[str] = frozenset()) -> float:
    if not query or not name:
        return 0.0
    query, name = _join_split_tokens(query, name), _join_split_tokens(name, query)
    wq, wn = _weights(query, weight), _weights(name, weight)
    korean = is_korean(query) and is_korean(name)
    chinese = is_chinese(query) and is_chinese(name)
    pairs = sorted(((token_similarity(q, n, abjad, korean, chinese), i, j) for i, q in enumerate(query)
                    for j, n in enumerate(name)), reverse=True)
    used_q: set[int] = set()
    used_n: set[int] = set()
    num = den = 0.0
    for sim, i, j in pairs:
        if sim < MIN_PAIR:
            break
        if i in used_q or j in used_n:
            continue
        used_q.add(i)
        used_n.add(j)
        w = (wq[i] + wn[j]) / 2
        num += sim * w
        den += w
    # the subject's own words, left unpaired (particles and initials aside)
    own_extra = sum(1 for i in range(len(query)) if i not in used_q and len(query[i]) > 1 and query[i] not in PARTICLES)
    # a longer form of the listed name is cheap only if that name is a full one: "Abu Yahya Cesic" is
    # not a longer form of the kunya "Abu Yahya" (chosen on the validation split)
    full = sum(1 for n in name if len(n) > 1 and n not in PARTICLES) >= FULL_NAME_WORDS
    extra = EXTRA_SUBJECT_TOKEN if len(used_n) == len(name) and len(used_n) >= 2 and full else 1.0
    den += extra * sum(wq[i] for i in range(len(query)) if i not in used_q)
    den += MISSING_ENTRY_TOKEN * sum(wn[j] for j in range(len(name)) if j not in used_n)
    aligned = num / den if den else 0.0
    left_out = [query[i] for i in range(len(query)) if i not in used_q] + \
        [name[j] for j in range(len(name)) if j not in used_n]
    if any(len(t) > 1 and t not in PARTICLES for t in left_out):
        aligned = min(aligned, PARTIAL_CAP)  # part of a name is for an officer to judge, not a block
    # split or merged tokens: "Xi Jin Ping" / "Xi Jinping", "Abdul Rahman" / "Abdulrahman"
    if len(query) != len(name):
        jq, jn = "".join(query), "".join(name)
        joined = fuzz.ratio(jq, jn) / 100.0
        if abjad and len(skeleton(jq, abjad=True)) >= 3 and skeleton(jq, abjad=True) == skeleton(jn):
            joined = max(joined, 0.95)  # "bd llh" / "Abdullah"
        if chinese:  # "Xu Zhidong" / "HSU Chih-tung", in either order of surname and given name
            jn_key = chinese_key(jn)
            for order in (query, query[1:] + query[:1], query[-1:] + query[:-1]):
                if chinese_key("".join(order)) == jn_key:
                    joined = max(joined, 0.95)
        aligned = max(aligned, joined * 0.97)
    if surname and own_extra:
        marked = [j for j, n in enumerate(name) if n in surname or n.removeprefix("al") in surname]
        if marked and not any(j in used_n for j in marked):
            aligned = min(aligned, SURNAME_REPLACED_CAP)
    return aligned


class Matcher:
    def __init__(self, index: ScreeningIndex, thresholds: Thresholds | None = None, candidates: int = 16,
                 weights: Weights | None = None) -> None:
        self.index = index
        self.thresholds = thresholds or Thresholds()
        self.weights = weights or Weights()
        self.limit = candidates

    def screen(self, subject: Subject, max_hits: int = 10, floor: float | None = None) -> ScreeningResult:
        """Hits at or above the review threshold, best first. ``floor`` (for calibration) keeps lower
        ones too, each still decided by the thresholds."""
        renderings = normalise(subject.name, subject.kind)
        abjad = is_abjad(subject.name)
        best: dict[int, tuple[float, IndexedName]] = {}
        # without vowels, many more names share a skeleton: look further
        for cand in self.index.candidates(renderings, self.limit * 2 if abjad else self.limit, abjad=abjad):
            sim = max(name_similarity(r, cand.tokens, self.index.weight, abjad, cand.surname) for r in renderings)
            key = id(cand.entry)
            if key not in best or sim > best[key][0]:
                best[key] = (sim, cand)
        hits: list[ScreeningHit] = []
        for name_score, cand in best.values():
            findings = compare(subject, cand.entry)
            score = adjust(name_score, findings, self.weights)
            if name_score >= EXACT_NAME:
                # Fail closed: a listed name, word for word, reaches an officer whatever else the
                # subject claims (a false birth date or passport must not clear it).
                score = max(score, self.thresholds.review)
            decision = self.thresholds.decide(score)
            if decision == "clear" and (floor is None or max(score, name_score) < floor):
                continue
            e = cand.entry
            features = {"type": "unknown", "birth_date": "unknown", "country": "unknown"}
            features.update({f.feature: f.outcome for f in findings})
            hits.append(ScreeningHit(e.list_id, e.entity_id, e.names[0], cand.display, score, name_score, decision,
                                     features, tuple(e.programs), {f.feature: f.evidence for f in findings},
                                     tuple(findings)))
        hits.sort(key=lambda h: -h.score)
        hits = hits[:max_hits]
        return ScreeningResult(subject, worst([h.decision for h in hits]), tuple(hits))
