"""Pinyin search keys for names: 张伟 → "zhangwei" and "zw"; heteronyms add alternatives."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, pinyin
from pypinyin.converter import DefaultConverter
from pypinyin.core import Pinyin

# Surnames whose reading differs from the character's commonest one.
_SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "区": "ou",
    "乐": "yue",
    "万俟": "moqi",
    "尉迟": "yuchi",
}


def _latin_words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[^\W_]+", text)]


_SEGMENTER = Pinyin()
_CONVERTER = DefaultConverter()


@lru_cache(maxsize=16384)
def _segment_syllables(words: str) -> tuple[str, ...]:
    """The toneless syllables of one segment (a character, a known phrase, a run of Latin text).

    lazy_pinyin converts each segment on its own, so remembering segments gives its answers
    while a city's 100,000 different names share a few thousand characters and surnames.
    """
    # Latin text (John Smith, 张三 Smith) counts word by word, so its initials are "js", "zss".
    # pypinyin's stubs say the callback returns str; the library also accepts a list of syllables.
    readings = _CONVERTER.convert(words, Style.NORMAL, False, _latin_words, True)  # type: ignore[arg-type]
    return tuple(s for reading in readings for s in reading)


@lru_cache(maxsize=65536)
def name_keys(name: str) -> tuple[str, str]:
    """Return (full pinyin, initials), lower case, no spaces; non-Chinese text kept as letters."""
    name = name.strip()
    if not name:
        return "", ""
    # What lazy_pinyin(name, errors=_latin_words) returns, segment by segment (below).
    syllables = [s for words in _SEGMENTER.seg(name) for s in _segment_syllables(words)]
    if name[0] in _SURNAME_READINGS and syllables:
        syllables[0] = _SURNAME_READINGS[name[0]]
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in syllables if s).lower()
    return full, initials


def all_initials(name: str) -> list[str]:
    """Initials for every reading of heteronyms (重 → z/c), for search hints."""
    readings = pinyin(name, style=Style.FIRST_LETTER, heteronym=True)
    combos = [""]
    for options in readings:
        combos = [c + o.lower() for c in combos for o in options[:2]][:8]
    return combos
