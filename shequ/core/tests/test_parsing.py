"""Dates and phone numbers as people type them into spreadsheets and forms."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from shequ.core.parsing import is_valid_phone, normalize_phone, parse_date

JAN5 = dt.date(2023, 1, 5)


@pytest.mark.parametrize(
    "value",
    [
        "2023-01-05",
        "2023-1-5",
        "2023/1/5",
        "2023/01/05",
        "2023.1.5",
        "20230105",
        "2023年1月5日",
        "2023年1月5",
        " 2023-01-05 ",
        "2023-01-05 10:30:00",
        "2023/1/5 0:00",
        "2023-01-05T10:30:00+08:00",
        44931,
        44931.0,
        44931.75,  # Excel serials (1900 date system)
        dt.date(2023, 1, 5),
        dt.datetime(2023, 1, 5, 23, 59),
        dt.datetime(2023, 1, 5, 23, 59, tzinfo=ZoneInfo("Asia/Shanghai")),
    ],
)
def test_dates_in_every_common_shape_parse(value: object) -> None:
    assert parse_date(value) == JAN5


def test_excel_serial_one_is_the_last_day_of_1899_epoch() -> None:
    assert parse_date(1) == dt.date(1899, 12, 31)
    assert parse_date(25569) == dt.date(1970, 1, 1)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_blank_is_no_date(value: object) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value",
    ["2023-02-30", "2023-13-01", "2019-02-29", "20230230", "2023年2月30日", "2023-00-10", "2023-01-32"],
)
def test_impossible_dates_raise_value_error(value: str) -> None:
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize("value", ["yesterday", "05/01/2023", "2023-01", "abc", 0, -5, 100000, True])
def test_things_that_are_not_dates_raise_value_error(value: object) -> None:
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800000001", "13800000001"),
        ("138 0000 0001", "13800000001"),
        ("138-0000-0001", "13800000001"),
        ("+86 138 0000 0001", "13800000001"),
        ("+86-138-0000-0001", "13800000001"),
        ("+8613800000001", "13800000001"),
        ("8613800000001", "13800000001"),
        ("１３８０００００００１", "13800000001"),
        (13800000001, "13800000001"),
        (13800000001.0, "13800000001"),  # Excel turns a number column into floats
        ("0579-87654321", "0579-87654321"),
        ("(0579) 87654321", "057987654321"),
        ("（0579）87654321", "057987654321"),
        ("010-12345678", "010-12345678"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_numbers_are_normalised(raw: object, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "text", ["13800000001", "19912345678", "0579-87654321", "057987654321", "010-1234567"]
)
def test_valid_phones(text: str) -> None:
    assert is_valid_phone(text)


@pytest.mark.parametrize("text", ["12800000001", "1380000000", "138000000011", "579-87654321", "abc", ""])
def test_invalid_phones(text: str) -> None:
    assert not is_valid_phone(text)
