"""How ID and phone numbers look wherever they are not revealed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shequ.core.masking import mask_id_number, mask_name, mask_numbers_in_text, mask_phone


def test_id_number_shows_region_and_last_four() -> None:
    assert mask_id_number("330723198001011234") == "330723********1234"
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("330723800101123") == "330723*****1123"  # old 15-digit number


@pytest.mark.parametrize("number", ["E12345678", "H123456789", "12345678", "H1234567800", "E1234567"])
def test_passport_and_permit_numbers_are_not_shown_in_full(number: str) -> None:
    masked = mask_id_number(number)
    assert masked[0] == number[0]
    assert masked[-1] == number[-1]
    assert set(masked[1:-1]) == {"*"}


def test_mobile_phone_shows_first_three_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_landline_with_area_code_is_masked() -> None:
    assert mask_phone("0579-87654321") == "057******4321"


@pytest.mark.parametrize("number", ["8765432", "87654321", "057987654"])
def test_short_local_landline_keeps_only_last_four(number: str) -> None:
    assert mask_phone(number) == "*" * (len(number) - 4) + number[-4:]


@given(st.text(alphabet="0123456789X-", min_size=3, max_size=20))
def test_masked_numbers_keep_their_length_and_hide_at_least_a_quarter(value: str) -> None:
    for fn in (mask_id_number, mask_phone):
        masked = fn(value)
        assert len(masked) == len(value)
        assert masked.count("*") >= max(1, len(value) // 4)


@pytest.mark.parametrize("fn", [mask_id_number, mask_phone])
def test_empty_stays_empty(fn: Callable[[str], str]) -> None:
    assert fn("") == ""


def test_very_short_values_are_fully_masked() -> None:
    assert mask_phone("12345") == "*****"
    assert mask_id_number("AB") == "**"


def test_names_for_outside_exports() -> None:
    assert mask_name("张伟") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("王") == "王"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13812345678。", "电话138****5678。"),
        ("电话 138-1234-5678", "电话 138****5678"),
        ("电话 138 1234 5678", "电话 138****5678"),
        ("电话8613812345678", "电话138****5678"),
        ("电话 +86 138 1234 5678", "电话 138****5678"),
        ("电话 +86-138-1234-5678", "电话 138****5678"),
        ("电话 0086 13812345678", "电话 138****5678"),
        ("身份证330723199001011237", "身份证330723********1237"),
        ("身份证 330723 19900101 1237", "身份证 330723********1237"),
        ("身份证 330723-19900101-123X", "身份证 330723********123X"),
        ("微网格 330723001014001001", "微网格 330723001014001001"),  # not a date: a code, kept
        ("3单元502室，报修", "3单元502室，报修"),
    ],
)
def test_numbers_in_free_text_are_masked_however_they_are_spelled(text: str, masked: str) -> None:
    assert mask_numbers_in_text(text) == masked
