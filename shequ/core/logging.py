"""A logging filter that keeps personal numbers and credentials out of every log line.

Attached to the handlers in settings.LOGGING, so it sees every record that is written, whichever
logger it came from (a filter on a logger would miss records propagated from its children).
ID numbers keep the same shape as on screen (`330723********1234`, `138****5678`: masking.py), so
a log line still tells two people apart without naming them (PIPL; docs/security.md).
"""

from __future__ import annotations

import logging
import re

from .masking import mask_id_number, mask_phone

# GB 11643: six-digit region, a birth date from 18xx to 20xx, sequence, check digit. Requiring a
# plausible date keeps 18-digit micro-grid codes (community + grid + micro-grid) readable.
_ID_NUMBER = re.compile(
    r"(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9])"
)
# Mainland mobile numbers, also written 138-0013-8000, 138 0013 8000 or with +86 / 86 in front.
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")
# Credentials that may end up in a URL or a header someone logs: DRF tokens, Open311 keys, passwords.
_SECRET = re.compile(
    r"(?i)(\b(?:token|api_key|apikey|password|passwd|secret|sessionid|csrftoken)\b[\"']?\s*[=:]\s*[\"']?"
    r"|\bToken\s+)([^\s&\"',;]{4,})"
)


def mask_personal_data(text: str) -> str:
    """The text with ID numbers, mobile numbers and credentials masked."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m[0]), text)
    text = _MOBILE.sub(lambda m: mask_phone(m[1] + m[2] + m[3]), text)
    return _SECRET.sub(lambda m: m[1] + "********", text)


class MaskPersonalData(logging.Filter):
    """Rewrites the record's message (with its arguments merged in) and any traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask_personal_data(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True
