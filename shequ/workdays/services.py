"""The working calendar's exceptions (节假日 and 调休上班 days): the writes.

Editing the calendar is configuration (Perm.CONFIGURE, county-wide) and is audited, so these
services sit above `accounts` and `audit`; the rows and the arithmetic (`core.models`,
`core.calendar`) stay in `core`, which every app reads.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from shequ.accounts.permissions import require
from shequ.accounts.roles import Perm
from shequ.accounts.typing import Actor
from shequ.audit.services import record_event
from shequ.core.calendar import invalidate_calendar
from shequ.core.errors import RuleError
from shequ.core.models import CalendarDay, calendar_day_problem

from .actions import CalendarAction

NAME_MAX_LENGTH = CalendarDay._meta.get_field("name").max_length or 64


def _require_configure(user: Actor) -> None:
    """The calendar is county-wide: editing it needs Perm.CONFIGURE at any node."""
    require(user, Perm.CONFIGURE)


def _snapshot(day: CalendarDay | None) -> dict[str, str] | None:
    return None if day is None else {"kind": day.kind, "name": day.name}


@transaction.atomic
def set_calendar_day(*, date: dt.date, kind: str, name: str = "", by: Actor) -> CalendarDay:
    """Record that `date` is a holiday (a weekday off) or a make-up working day (a weekend day at
    work), or change the one recorded. An exception that would change nothing is refused."""
    _require_configure(by)
    name = (name or "").strip()
    problem = calendar_day_problem(date, kind)
    if problem:
        raise RuleError("calendar_day_changes_nothing", problem, fields={"kind": [problem]})
    if len(name) > NAME_MAX_LENGTH:
        message = _("Keep the name to %(n)d characters.") % {"n": NAME_MAX_LENGTH}
        raise RuleError("invalid", message, fields={"name": [message]})
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    if day is None:
        try:
            with transaction.atomic():
                day = CalendarDay.objects.create(date=date, kind=kind, name=name)
        except IntegrityError:  # someone else recorded the same date a moment ago: change theirs
            day = CalendarDay.objects.select_for_update().get(date=date)
        else:
            return _recorded(day, before=None, by=by)
    if (day.kind, day.name) == (kind, name):
        return day  # nothing changed: no audit record, no reload
    before = _snapshot(day)
    day.kind, day.name = kind, name
    day.save(update_fields=["kind", "name", "updated_at"])
    return _recorded(day, before=before, by=by)


def _recorded(day: CalendarDay, *, before: dict[str, str] | None, by: Actor) -> CalendarDay:
    record_event(
        actor=by,
        action=CalendarAction.SET_DAY,
        target=day,
        extra={"date": day.date.isoformat(), "before": before, "after": _snapshot(day)},
    )
    invalidate_calendar()
    return day


@transaction.atomic
def clear_calendar_day(*, date: dt.date, by: Actor) -> None:
    """Remove the exception on `date`, so the default week (Monday to Friday) applies again."""
    _require_configure(by)
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    if day is None:
        raise RuleError(
            "calendar_day_missing",
            _("%(date)s has no holiday or make-up working day to remove.") % {"date": date.isoformat()},
        )
    record_event(
        actor=by,
        action=CalendarAction.CLEAR_DAY,
        target=day,
        extra={"date": date.isoformat(), "before": _snapshot(day), "after": None},
    )
    day.delete()
    invalidate_calendar()
