"""Pinyin search keys for names: 张伟 → "zhangwei" and "zw"; heteronyms add alternatives."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin

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


@lru_cache(maxsize=65536)
def name_keys(name: str) -> tuple[str, str]:
    """Return (full pinyin, initials), lower case, no spaces; non-Chinese text kept as letters."""
    name = name.strip()
    if not name:
        return "", ""
    # Latin text (John Smith, 张三 Smith) counts word by word, so its initials are "js", "zss".
    # pypinyin's stubs say the callback returns str; the library also accepts a list of syllables.
    syllables = lazy_pinyin(name, errors=_latin_words)  # type: ignore[arg-type]
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
