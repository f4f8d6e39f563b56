"""A logging filter that keeps personal numbers and credentials out of every log line.

Attached to the handlers in settings.LOGGING, so it sees every record that is written, whichever
logger it came from (a filter on a logger would miss records propagated from its children).
ID numbers keep the same shape as on screen (`330723********1234`, `138****5678`: masking.py), so
a log line still tells two people apart without naming them (PIPL; docs/security.md).
"""

from __future__ import annotations

import logging
import re

from .masking import mask_numbers_in_text

# Credentials that may end up in a URL or a header someone logs: DRF tokens, Open311 keys, passwords.
_SECRET = re.compile(
    r"(?i)(\b(?:token|api_key|apikey|password|passwd|secret|sessionid|csrftoken)\b[\"']?\s*[=:]\s*[\"']?"
    r"|\bToken\s+)([^\s&\"',;]{4,})"
)


def mask_personal_data(text: str) -> str:
    """The text with ID numbers, mobile numbers and credentials masked."""
    text = mask_numbers_in_text(text)
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
