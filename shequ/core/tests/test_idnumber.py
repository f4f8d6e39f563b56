"""GB 11643-1999 citizen identity numbers: what the registry accepts and what it refuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import translation
from django.utils.functional import Promise
from hypothesis import given
from hypothesis import strategies as st

from shequ.core import idnumber
from shequ.core.idnumber import PROVINCE_CODES, IdNumberError, check_character, make, parse

TODAY = dt.date(2026, 5, 1)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Assertions below read the English msgids; pages show the Chinese translations."""
    with translation.override("en"):
        yield


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, dt.date, int]:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    rest = draw(st.integers(min_value=0, max_value=9999))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(min_value=0, max_value=999))
    return make(f"{province}{rest:04d}", birth, sequence), birth, sequence


@given(valid_numbers())
def test_any_valid_number_parses_and_round_trips_gender_and_birth(
    generated: tuple[str, dt.date, int],
) -> None:
    number, birth, sequence = generated
    parsed = parse(number, today=TODAY)
    assert parsed.value == number
    assert parsed.birth_date == birth
    assert parsed.sequence == f"{sequence:03d}"
    assert parsed.gender == ("1" if sequence % 2 else "2")
    assert parsed.region_code == number[:6]
    assert parsed.warnings == ()


@given(valid_numbers(), st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_changing_any_one_character_makes_the_number_invalid(
    generated: tuple[str, dt.date, int], position: int, shift: int
) -> None:
    number = generated[0]
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = alphabet.index(number[position])
    new = alphabet[(old + shift) % len(alphabet)]
    if new == number[position]:  # shift == len(alphabet) on a digit position: no change to test
        return
    tampered = number[:position] + new + number[position + 1 :]
    with pytest.raises(IdNumberError):
        parse(tampered, today=TODAY)


def test_check_digit_catches_every_single_digit_error_exhaustively() -> None:
    """Every weight is non-zero mod 11, so the MOD 11-2 check catches every single substitution."""
    first17 = "33072319800101123"
    right = check_character(first17)
    for position in range(17):
        for digit in "0123456789":
            if digit == first17[position]:
                continue
            changed = first17[:position] + digit + first17[position + 1 :]
            assert check_character(changed) != right


def test_known_check_character_x() -> None:
    # 11010519491231002X is the number printed in GB 11643 itself.
    parsed = parse("11010519491231002X", today=TODAY)
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.gender == "2"


@pytest.mark.parametrize("birth", ["19900230", "19991301", "19990229", "19900100", "19900132"])
def test_impossible_birth_dates_are_rejected(birth: str) -> None:
    first17 = f"330723{birth}123"
    with pytest.raises(IdNumberError) as info:
        parse(first17 + check_character(first17), today=TODAY)
    assert "birth date" in str(info.value)


def test_leap_day_in_a_leap_year_is_accepted() -> None:
    assert parse(make("330723", dt.date(2000, 2, 29), 12), today=TODAY).birth_date == dt.date(2000, 2, 29)


def test_error_messages_are_translatable() -> None:
    """Messages are lazy gettext strings, so pages and imports show them in Chinese."""
    for bad in ["123", "33072319800101123A", "99072319800101123X", "330723" + "19900230" + "1234"]:
        with pytest.raises(IdNumberError) as info:
            parse(bad, today=TODAY)
        assert isinstance(info.value.args[0], Promise), bad


@pytest.mark.parametrize(
    ("raw", "chinese"),
    [("99072319800101123X", "省份"), ("330723199002301234", "出生日期"), ("123", "18")],
)
def test_error_messages_are_shown_in_chinese(raw: str, chinese: str) -> None:
    with pytest.raises(IdNumberError) as info:
        parse(raw, today=TODAY)
    with translation.override("zh-hans"):
        message = str(info.value)
    assert chinese in message
    assert "身份证" in message


def test_lower_case_x_full_width_digits_and_spaces_are_normalised() -> None:
    assert parse("11010519491231002x", today=TODAY).value == "11010519491231002X"
    assert parse("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).value == "11010519491231002X"
    assert parse(" 110105 19491231 002x ", today=TODAY).value == "11010519491231002X"
    assert parse("110105-19491231-002X", today=TODAY).value == "11010519491231002X"
    assert parse("１１０１０５１９４９１２３１００２ｘ", today=TODAY).value == "11010519491231002X"


def test_unknown_six_digit_region_is_a_warning_not_an_error() -> None:
    number = make("339999", dt.date(1980, 1, 1), 123)
    parsed = parse(number, today=TODAY, known_regions={"330723"})
    assert parsed.value == number
    assert len(parsed.warnings) == 1
    assert "339999" in parsed.warnings[0]
    assert (
        parse(make("330723", dt.date(1980, 1, 1), 123), today=TODAY, known_regions={"330723"}).warnings == ()
    )


def test_unknown_province_is_an_error() -> None:
    for province in ["00", "10", "29", "99"]:
        with pytest.raises(IdNumberError, match="province"):
            parse(make(f"{province}0723", dt.date(1980, 1, 1), 123), today=TODAY)


def test_future_birth_date_is_rejected() -> None:
    with pytest.raises(IdNumberError):
        parse(make("330723", TODAY + dt.timedelta(days=1), 123), today=TODAY)
    assert parse(make("330723", TODAY, 123), today=TODAY).birth_date == TODAY


def test_a_baby_born_today_in_shanghai_is_accepted_by_default() -> None:
    """Without `today`, "today" is the date in Asia/Shanghai, not the server's local date."""
    from django.utils import timezone

    assert idnumber.parse(make("330723", timezone.localdate(), 2)).birth_date == timezone.localdate()


@pytest.mark.parametrize(
    "raw", ["", "3307231980010112", "3307231980010112345", "33072319800101123Y", "X30723198001011234"]
)
def test_wrong_length_or_shape_is_rejected(raw: str) -> None:
    with pytest.raises(IdNumberError):
        parse(raw, today=TODAY)


def test_is_valid() -> None:
    assert idnumber.is_valid("11010519491231002X")
    assert not idnumber.is_valid("110105194912310021")
