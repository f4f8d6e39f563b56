"""The API's request parsers: DRF's, refusing text with NUL characters in it.

PostgreSQL cannot store or even compare text containing NUL (0x00): a lookup such as
`Area.objects.get(code="33\x00")` fails in the database with a DataError, a 500, and inside a
transaction it poisons everything after it. DRF's CharField refuses NUL, but slug and choice
fields, and hand-written lookups, pass it on; the API fuzz test found 500s that way. Refusing NUL
once, where every body is parsed, covers every serializer, today's and tomorrow's (query strings
and paths: `shequ.core.security.RejectNulMiddleware`). File contents are not text and pass as they are.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    if hasattr(value, "lists"):  # a QueryDict: every value of every key
        return any(contains_nul(k) or contains_nul(v) for k, v in value.lists())
    return False


def refuse_nul(data: Any) -> Any:
    if contains_nul(data):
        raise ParseError(str(ProhibitNullCharactersValidator.message))
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return refuse_nul(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return refuse_nul(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        result = super().parse(stream, media_type, parser_context)
        refuse_nul(result.data)  # the form fields; uploaded files are bytes and may hold anything
        return result
