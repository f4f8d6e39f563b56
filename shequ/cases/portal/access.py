"""Which cases this browser session may see.

A resident proves a case is theirs once, with its number and the phone they left; the session then
remembers the case (and the phone, encrypted, so the evaluation can be checked against it again).
Nothing goes into the URL or into a cookie of our own: photo links and the evaluation form work from
the session alone, and every request checks the number + phone pair again through the selector.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from shequ.core import crypto

from .. import selectors
from ..models import Case

SESSION_KEY = "portal_cases"
LAST_REPORT_KEY = "portal_last_report"
MAX_CASES = 10  # a session remembers the last few cases it looked up
_PURPOSE = b"shequ-portal-session"


@dataclass(frozen=True)
class Granted:
    case: Case
    phone: str


def grant(request: HttpRequest, case: Case, phone: str) -> None:
    grants = dict(request.session.get(SESSION_KEY) or {})
    grants.pop(case.number, None)
    grants[case.number] = {"id": case.pk, "phone": crypto.encrypt(phone, associated=_PURPOSE)}
    request.session[SESSION_KEY] = dict(list(grants.items())[-MAX_CASES:])


def granted(request: HttpRequest, number: str) -> Granted | None:
    """The case if this session looked it up (or reported it) with the right phone; else None."""
    entry = (request.session.get(SESSION_KEY) or {}).get(number)
    if not isinstance(entry, dict):
        return None
    try:
        phone = crypto.decrypt(str(entry.get("phone", "")), associated=_PURPOSE)
    except ValueError:
        return None
    case = selectors.case_for_reporter(number, phone)
    if case is None or case.pk != entry.get("id"):
        return None
    return Granted(case=case, phone=phone)


def remember_report(request: HttpRequest, case: Case) -> None:
    """The success page reads the number from the session, so it never needs it in its URL."""
    request.session[LAST_REPORT_KEY] = case.number


def last_report(request: HttpRequest) -> str | None:
    value = request.session.get(LAST_REPORT_KEY)
    return str(value) if value else None
