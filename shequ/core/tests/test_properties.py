"""Property tests (Hypothesis) for the parsers and validators that read what people type.

The example tests beside them (test_parsing.py, test_masking.py, test_pinyin.py, the import and
portal tests) show the shapes people use; these check the rules hold for every input of a kind:
every way of writing a mobile number reads as the same number, every date in every accepted
shape reads as that date, nothing a clerk types crashes a parser with anything but ValueError,
masks never show more than their pattern, and so on.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from shequ.accounts import throttle as accounts_throttle
from shequ.cases.portal import throttle as portal_throttle
from shequ.core.idnumber import PROVINCE_CODES, make
from shequ.core.logging import MaskPersonalData
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.parsing import is_valid_phone, normalize_phone, parse_date
from shequ.core.pinyin import name_keys
from shequ.registry.imports import COLUMNS, match_header

mobiles = st.from_regex(r"\A1[3-9][0-9]{9}\Z")
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    region = f"{province}{draw(st.integers(min_value=0, max_value=9999)):04d}"
    return make(region, draw(dates), draw(st.integers(min_value=0, max_value=999)))


# --- phone numbers -------------------------------------------------------------------------------

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@given(
    mobiles,
    st.sampled_from(["{}", "{a} {b} {c}", "{a}-{b}-{c}", "+86{}", "+86 {a} {b} {c}", "86{}", "({a}){b}{c}"]),
)
def test_every_way_of_writing_a_mobile_number_reads_as_that_number(mobile: str, shape: str) -> None:
    written = shape.format(mobile, a=mobile[:3], b=mobile[3:7], c=mobile[7:])
    assert normalize_phone(written) == mobile
    assert normalize_phone(written.translate(_FULL_WIDTH)) == mobile
    assert is_valid_phone(normalize_phone(written))


@given(mobiles)
def test_a_mobile_number_excel_turned_into_a_number_reads_back(mobile: str) -> None:
    assert normalize_phone(int(mobile)) == mobile
    assert normalize_phone(float(mobile)) == mobile


@given(st.text(max_size=30))
def test_normalising_a_phone_number_twice_changes_nothing(text: str) -> None:
    once = normalize_phone(text)
    assert normalize_phone(once) == once


# --- dates ---------------------------------------------------------------------------------------


@given(dates)
def test_every_accepted_way_of_writing_a_date_reads_as_that_date(date: dt.date) -> None:
    y, m, d = date.year, date.month, date.day
    shapes = [
        f"{y}-{m:02d}-{d:02d}",
        f"{y}-{m}-{d}",
        f"{y}/{m}/{d}",
        f"{y}.{m:02d}.{d:02d}",
        f"{y}{m:02d}{d:02d}",
        f"{y}年{m}月{d}日",
        f"{y}年{m}月{d}",
        f" {y}-{m:02d}-{d:02d} 08:30:00 ",
        f"{y}-{m:02d}-{d:02d}T08:30:00+08:00",
    ]
    for text in shapes:
        assert parse_date(text) == date, text
    assert parse_date(dt.datetime(y, m, d, 23, 59)) == date


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2099, 12, 31)))
def test_excel_serial_numbers_read_as_their_date(date: dt.date) -> None:
    serial = (date - dt.date(1899, 12, 30)).days
    assert parse_date(serial) == date
    assert parse_date(float(serial) + 0.75) == date  # a date and a time of day


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.booleans(), st.none()))
def test_a_date_parser_answers_a_date_nothing_or_value_error(value: Any) -> None:
    try:
        result = parse_date(value)
    except ValueError:
        return
    assert result is None or isinstance(result, dt.date)


# --- masks ---------------------------------------------------------------------------------------


@given(id_numbers())
def test_an_id_number_mask_shows_the_region_and_the_last_four_only(number: str) -> None:
    masked = mask_id_number(number)
    assert masked == number[:6] + "*" * 8 + number[-4:]
    assert number not in masked


@given(mobiles)
def test_a_mobile_number_mask_shows_the_first_three_and_the_last_four_only(mobile: str) -> None:
    assert mask_phone(mobile) == mobile[:3] + "****" + mobile[-4:]


@given(st.text(max_size=40))
def test_a_mask_never_shows_more_than_the_pattern_allows(value: str) -> None:
    """Region + last four of an ID (10 characters), first three + last four of a phone (7)."""
    for fn, shown in ((mask_id_number, 10), (mask_phone, 7)):
        masked = fn(value)
        assert len(masked) == len(value)
        visible = [i for i, c in enumerate(masked) if c != "*"]
        assert len(visible) <= shown
        assert all(masked[i] == value[i] for i in visible)  # a mask hides; it never rewrites


def _logged(message: str) -> str:
    record = logging.LogRecord("shequ", logging.INFO, __file__, 1, message, None, None)
    MaskPersonalData().filter(record)
    return record.getMessage()


@given(id_numbers(), mobiles, st.text(alphabet=st.characters(exclude_categories=["Nd"]), max_size=20))
def test_a_log_line_never_carries_an_id_or_mobile_number(number: str, mobile: str, noise: str) -> None:
    line = _logged(f"{noise}{number}{noise} tel:{mobile}{noise}")
    assert number not in line and mobile not in line
    assert mask_id_number(number) in line and mask_phone(mobile) in line


# --- pinyin --------------------------------------------------------------------------------------

common_han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@given(st.text(alphabet=common_han, min_size=1, max_size=4))
def test_pinyin_keys_of_a_chinese_name_are_lower_case_letters_one_initial_per_character(name: str) -> None:
    full, initials = name_keys(name)
    assert re.fullmatch(r"[a-z]+", full) and re.fullmatch(r"[a-z]+", initials)
    assert len(initials) == len(name)
    assert full.startswith(initials[0])
    rest = iter(full)
    assert all(letter in rest for letter in initials)  # the initials run through the full key in order


@given(st.text(max_size=20))
def test_pinyin_keys_of_anything_typed_are_lower_case_without_spaces(text: str) -> None:
    full, initials = name_keys(text)
    assert full == full.lower() and " " not in full
    assert len(initials) <= len(full)


# --- import headers ------------------------------------------------------------------------------

_headers = [(name, column.key) for column in COLUMNS for name in (column.header, *column.synonyms)]


@given(
    st.sampled_from(_headers),
    st.sampled_from(["{}", " {} ", "*{}", "＊{}", "{}：", "{}:", "{}(必填)", "{}（选填）", "\t{}\n"]),
)
def test_every_header_and_synonym_is_recognised_however_it_is_decorated(
    header: tuple[str, str], decoration: str
) -> None:
    name, key = header
    assert match_header(decoration.format(name)) == key


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.none()))
def test_any_header_cell_gives_a_field_or_none(value: Any) -> None:
    assert match_header(value) in {None, *(column.key for column in COLUMNS)}


# --- rates ---------------------------------------------------------------------------------------

_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
}
_PARSERS: list[tuple[Callable[[str], Any], Any]] = [
    (accounts_throttle.parse_rate, accounts_throttle.Rate),
    (portal_throttle.parse_rate, portal_throttle.Rate),
]


@pytest.mark.parametrize(("parse_rate", "rate"), _PARSERS)
@given(
    count=st.integers(min_value=1, max_value=10**6),
    many=st.one_of(st.none(), st.integers(min_value=1, max_value=999)),
    unit=st.sampled_from(sorted(_UNITS)),
    plural=st.booleans(),
    upper=st.booleans(),
)
def test_a_rate_reads_as_count_per_period(
    parse_rate: Callable[[str], Any],
    rate: Any,
    count: int,
    many: int | None,
    unit: str,
    plural: bool,
    upper: bool,
) -> None:
    text = f"{count}/{many or ''}{unit}{'s' if plural else ''}"
    assert parse_rate(text.upper() if upper else text) == rate(count, (many or 1) * _UNITS[unit])


@pytest.mark.parametrize(("parse_rate", "rate"), _PARSERS)
@given(text=st.text(max_size=15))
def test_a_rate_setting_is_a_rate_or_a_configuration_error(
    parse_rate: Callable[[str], Any], rate: Any, text: str
) -> None:
    try:
        parsed = parse_rate(text)
    except ImproperlyConfigured:
        return
    assert parsed.count >= 1 and parsed.seconds >= 1
