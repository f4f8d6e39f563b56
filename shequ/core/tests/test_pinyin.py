"""Pinyin search keys for names, so a worker can type zw or zhangwei to find 张伟."""

from __future__ import annotations

import pytest

from shequ.core.pinyin import all_initials, name_keys


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("张伟", "zhangwei", "zw"),
        ("李娜", "lina", "ln"),
        ("欧阳修", "ouyangxiu", "oyx"),
        ("尉迟恭", "yuchigong", "ycg"),
        (" 王芳 ", "wangfang", "wf"),
    ],
)
def test_chinese_names(name: str, full: str, initials: str) -> None:
    assert name_keys(name) == (full, initials)


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("单雄信", "shanxiongxin", "sxx"),  # 单 as a surname is shan, not dan
        ("曾国藩", "zengguofan", "zgf"),  # 曾 as a surname is zeng, not ceng
        ("解缙", "xiejin", "xj"),
        ("仇英", "qiuying", "qy"),
        ("区志强", "ouzhiqiang", "ozq"),
    ],
)
def test_surnames_read_as_surnames(name: str, full: str, initials: str) -> None:
    assert name_keys(name) == (full, initials)


def test_surname_reading_applies_only_to_the_first_character() -> None:
    assert name_keys("王单")[0] == "wangdan"


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("John Smith", "johnsmith", "js"),
        ("Anna-Maria O'Neil", "annamariaoneil", "amon"),
        ("张三 Smith", "zhangsansmith", "zss"),
        ("ALI", "ali", "a"),
    ],
)
def test_latin_names_count_word_by_word(name: str, full: str, initials: str) -> None:
    assert name_keys(name) == (full, initials)


def test_empty_name() -> None:
    assert name_keys("") == ("", "")
    assert name_keys("  ") == ("", "")


def test_all_initials_offers_heteronym_readings() -> None:
    assert "zgf" in all_initials("曾国藩")
    assert all_initials("张伟") == ["zw"]


def test_remembered_segments_give_what_lazy_pinyin_gives() -> None:
    """name_keys converts segment by segment with a memo; its syllables are lazy_pinyin's own,
    phrases (重庆, 长江), Latin words, digits and symbols included."""
    import random

    from pypinyin import lazy_pinyin

    from shequ.core import pinyin

    rng = random.Random(5)
    alphabet = "张王李赵重庆长江行乐单曾朝阳银行中国人民伟芳娜强·_ 1AbZoëé😀ㄅ"
    names = ["重庆", "长江", "银行行长", "John Smith", "张三 Smith", "阿依古丽·买买提", "A1 张", "Zoë"]
    names += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(500)]
    for name in names:
        text = name.strip()
        if not text:
            continue
        syllables = lazy_pinyin(text, errors=pinyin._latin_words)  # type: ignore[arg-type]
        got = [s for words in pinyin._SEGMENTER.seg(text) for s in pinyin._segment_syllables(words)]
        assert got == syllables, name
