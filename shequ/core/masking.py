"""How personal numbers look on screens, in the API and in exports unless revealed, and the one
function that finds them in free text (logs, Open311, the portal and case pages)."""

import re

# GB 11643: six-digit region, a birth date from 18xx to 20xx, sequence, check digit, also typed in
# groups (330723 19900101 1237, 330723-19900101-1237). Requiring a plausible date keeps 18-digit
# micro-grid codes (community + grid + micro-grid) readable.
_ID_NUMBER = re.compile(
    r"(?<![0-9])([1-9]\d{5})[- ]?((?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))[- ]?(\d{3}[0-9Xx])"
    r"(?![0-9])"  # a letter may follow (A110…0000A in a log line): masking too much is the safe side
)
# Mainland mobile numbers however they are written: 13812345678, 138-1234-5678, 138 1234 5678,
# 8613812345678, +86 138 1234 5678, 0086-138-1234-5678.
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")


def mask_id_number(value: str) -> str:
    """330723********1234: region and last four, which workers use to tell people apart."""
    if not value:
        return ""
    if len(value) < 15:  # passports and permits: region-and-last-four would show (nearly) all of it
        return value[:1] + "*" * (len(value) - 2) + value[-1:] if len(value) > 2 else "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    if len(value) < 11:  # a local landline: first-three-and-last-four would show (nearly) all of it
        return "*" * (len(value) - 4) + value[-4:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张*伟 for exports to people outside the registry (not used in the registry itself)."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_numbers_in_text(text: str) -> str:
    """The text with every ID number and mobile number in it masked as on screen
    (330723********1237, 138****5678), whatever separators or country code it was typed with."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m[1] + m[2] + m[3]), text or "")
    return _MOBILE.sub(lambda m: mask_phone(m[1] + m[2] + m[3]), text)
