"""GB 11643-1999 citizen identity numbers: 6-digit address code, 8-digit birth date,
3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character."""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Set
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
_SEPARATORS = re.compile(r"[\s\-]")
# GB/T 2260 province-level codes; 81/82/83 are used by HK, Macau and Taiwan residence permits.
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)


class IdNumberError(ValueError):
    pass


@dataclass(frozen=True)
class IdNumber:
    value: str
    region_code: str
    birth_date: dt.date
    sequence: str
    gender: str  # GB/T 2261.1: "1" male, "2" female
    warnings: tuple[str, ...] = field(default=())


def check_character(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("check_character() needs the first 17 characters")
    total = sum(map(operator.mul, map(int, first17), _WEIGHTS))
    return _CHECK[total % 11]


def normalize(raw: str) -> str:
    """Strip spaces and full-width characters that spreadsheets carry; upper-case the X."""
    text = str(raw)
    if _SHAPE.fullmatch(text):  # already clean, as nearly every number in a file is
        return text
    return _SEPARATORS.sub("", text).translate(_FULL_WIDTH).upper()


def parse(raw: str, *, today: dt.date | None = None, known_regions: Set[str] | None = None) -> IdNumber:
    """Validate and decode an ID number, or raise IdNumberError with a Chinese message.

    An unknown 6-digit address code is a warning, not an error: code tables change every year
    and old numbers stay valid (DESIGN rule 7). An unknown province is an error.
    """
    value = normalize(raw)
    if len(value) != 18:
        raise IdNumberError(_("ID number must have 18 characters."))
    if not _SHAPE.match(value):
        raise IdNumberError(_("ID number must be 17 digits followed by a digit or X."))
    if value[:2] not in PROVINCE_CODES:
        raise IdNumberError(_("ID number has an unknown province code."))
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise IdNumberError(_("ID number contains an impossible birth date.")) from exc
    today = today or dt.date.today()  # noqa: DTZ011  (a date, compared with a date of birth)
    if birth > today or birth.year < 1880:
        raise IdNumberError(_("ID number contains an impossible birth date."))
    if check_character(value[:17]) != value[17]:
        raise IdNumberError(_("ID number check digit is wrong."))
    warnings: list[str] = []
    if known_regions is not None and value[:6] not in known_regions:
        warnings.append(
            str(_("Address code %(code)s is not in the current code table.") % {"code": value[:6]})
        )
    return IdNumber(
        value=value,
        region_code=value[:6],
        birth_date=birth,
        sequence=value[14:17],
        gender="1" if int(value[16]) % 2 else "2",
        warnings=tuple(warnings),
    )


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True


def make(region_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid number (demo data and tests)."""
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)
