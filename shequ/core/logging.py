"""A logging filter that keeps personal numbers and credentials out of every log line.

Attached to the handlers in settings.LOGGING, so it sees every record that is written, whichever
logger it came from (a filter on a logger would miss records propagated from its children).
ID numbers keep the same shape as on screen (`330723********1234`, `138****5678`: masking.py), so
a log line still tells two people apart without naming them (PIPL; docs/security.md).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.functional import SimpleLazyObject, empty

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


request_logger = logging.getLogger("shequ.request")


def _user_id(request: HttpRequest) -> Any:
    """The signed-in user's id, if the request has looked the user up: logging never costs a query."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user.pk if user is not None and user.is_authenticated else None


class RequestLogMiddleware:
    """One line per request: method, path, status, duration, user id (`GET /cases/ 403 12ms user=7`).

    It replaces Django's own request logging, which printed a full traceback for every refused
    request (403, 404, 400) and runserver's English-dated access line (settings.LOGGING silences
    both). Tracebacks are logged for 500s only, by `django.request`. The query string is left out:
    searches carry names and numbers. Static files are not logged.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.static_prefix = settings.STATIC_URL or "/static/"
        if not self.static_prefix.startswith("/"):
            self.static_prefix = "/" + self.static_prefix

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        if request.path.startswith(self.static_prefix):
            return response
        user_id = _user_id(request)
        status = response.status_code
        level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
        request_logger.log(
            level,
            "%s %s %s %dms user=%s",
            request.method,
            request.path,
            status,
            round((time.perf_counter() - started) * 1000),
            user_id if user_id is not None else "-",
        )
        return response
