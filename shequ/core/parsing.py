"""Parsing what people type into spreadsheets and forms: dates in many shapes, phone numbers."""

from __future__ import annotations

import datetime as dt
import re

_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def parse_date(value: object) -> dt.date | None:
    """2023-01-05, 2023/1/5, 2023.1.5, 20230105, 2023年1月5日, Excel dates and serials.

    Returns None for blank; raises ValueError for anything else that is not a real date.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 80000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(value)
    text = str(value).strip()
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0]
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    raise ValueError(text)


def normalize_phone(value: object) -> str:
    """Digits only (a landline keeps its dash); a leading +86 or 86 is dropped."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[\s()（）]", "", str(value or "")).translate(_FULL_WIDTH)
    # A mobile number is often written 138-0000-0001 or +86-138...: keep its 11 digits.
    mobile = re.match(r"^(?:\+?86)?(1\d{10})$", text.replace("-", ""))
    return mobile[1] if mobile else text


def is_valid_phone(text: str) -> bool:
    return bool(MOBILE.match(text) or LANDLINE.match(text))
