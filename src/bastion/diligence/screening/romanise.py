"""Latin spellings of Korean and Chinese names across romanisation systems: McCune-Reischauer
(and the usual older spellings) against Revised Romanisation for Korean, Wade-Giles against pinyin
for Chinese. A name is read so only when it carries a surname of that language; its syllables
then compare by one key per sound, in the index (to find it) and in scoring."""

from __future__ import annotations

from functools import lru_cache

# Surnames that mark a Korean name in Latin letters (McCune-Reischauer, Revised Romanisation and
# the usual spellings): its given names are then compared by sound across the two systems.
KOREAN_SURNAMES = frozenset({"kim", "gim", "lee", "ri", "yi", "rhee", "pak", "park", "bak", "choe", "choi", "chong",
                             "jong", "jung", "jeong", "kang", "gang", "yun", "yoon", "cho", "jo", "ryu", "yu", "shin",
                             "sin", "hwang", "kwon", "gwon", "jang", "chang", "mun", "moon", "paek", "baek", "hyon",
                             "hyun", "hyeon", "rim", "im", "lim", "kye", "gye", "ko", "go", "so", "seo", "suh", "nam",
                             "ju", "chu", "o", "oh", "ra", "na", "no", "roh", "won", "han", "ham", "hong", "song"})
_KOREAN_KEY = (("eo", "o"), ("eu", "u"), ("oo", "u"), ("ae", "e"), ("wo", "o"), ("ui", "i"), ("ch", "j"), ("sh", "s"),
               ("k", "g"), ("t", "d"), ("p", "b"), ("r", "l"))


# One surname, several spellings: 이 is Lee, Ri, Yi, Rhee; 박 Park, Pak, Bak ...
_KOREAN_SURNAME_KEY = {s: group[0] for group in (
    ("lee", "ri", "yi", "rhee", "i", "rhie"), ("park", "pak", "bak", "bag"), ("choi", "choe", "chwe"),
    ("kwon", "gwon"), ("roh", "no", "noh", "ro"), ("oh", "o"), ("shin", "sin"), ("yoon", "yun"),
    ("lim", "rim", "im"), ("ryu", "yu", "yoo"), ("moon", "mun"), ("baek", "paek"), ("jang", "chang"),
    ("hyun", "hyon", "hyeon"), ("kim", "gim"), ("kang", "gang"), ("jung", "jeong", "chong", "jong"),
    ("cho", "jo")) for s in group}


@lru_cache(maxsize=1 << 16)
def korean_key(token: str) -> str:
    """One spelling for a Korean syllable written in either system: ``chong``/``jong``/``jeong``,
    ``kyong``/``gyeong``, ``pyong``/``byeong`` agree; a surname's spellings agree (``ri``/``lee``)."""
    t = token.replace("-", "")
    if t in _KOREAN_SURNAME_KEY:
        return _KOREAN_SURNAME_KEY[t]
    for a, b in _KOREAN_KEY:
        t = t.replace(a, b)
    return t


def is_korean(tokens: tuple[str, ...]) -> bool:
    return len(tokens) >= 2 and any(t in KOREAN_SURNAMES for t in tokens) and all(len(t) <= 7 for t in tokens)


# Chinese names in Wade-Giles (Taiwan, older lists) and pinyin: Hsu / Xu, Chang / Zhang, Tsai / Cai, Kuo / Guo.
CHINESE_SURNAMES = frozenset({"wang", "huang", "li", "zhang", "chang", "chen", "chan", "liu", "lau", "yang",
                              "zhao", "chao", "wu", "zhou", "chou", "xu", "hsu", "sun", "ma", "zhu", "chu", "hu",
                              "guo", "kuo", "he", "ho", "lin", "lam", "luo", "lo", "gao", "kao", "zheng", "cheng",
                              "liang", "xie", "hsieh", "tang", "feng", "deng", "teng", "cao", "tsao", "peng",
                              "zeng", "tseng", "xiao", "hsiao", "tian", "tien", "dong", "tung", "pan", "yuan",
                              "cai", "tsai", "jiang", "chiang", "du", "tu", "ye", "yeh", "wei", "su", "lu", "ding",
                              "ting", "ren", "jen", "shen", "zhong", "chung", "cui", "tsui", "tan", "fan", "qian",
                              "chien", "qiu", "chiu", "xiong", "hsiung", "mao", "fu", "wong", "ng", "yip", "tse",
                              "lee"})
_CHINESE_KEY = (("hs", "x"), ("zh", "j"), ("ch", "j"), ("q", "j"), ("tz", "z"), ("ts", "z"), ("c", "z"),
                ("k", "g"), ("t", "d"), ("p", "b"), ("ung", "ong"), ("ieh", "ie"), ("ien", "ian"), ("ih", "i"))


@lru_cache(maxsize=1 << 16)
def chinese_key(token: str) -> str:
    """One spelling for a Chinese syllable in Wade-Giles or pinyin: ``hsu``/``xu``,
    ``chang``/``zhang``, ``tsai``/``cai``, ``kuo``/``guo``, ``ken``/``gen``, ``tung``/``dong``."""
    t = token.replace("-", "")
    for a, b in _CHINESE_KEY:
        t = t.replace(a, b)
    return t


def is_chinese(tokens: tuple[str, ...]) -> bool:
    return len(tokens) >= 2 and any(t in CHINESE_SURNAMES for t in tokens) and all(len(t) <= 7 for t in tokens)
