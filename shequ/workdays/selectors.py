"""Reads of the working calendar that need more than `core.calendar`: who is told that the
calendar is about to run out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from shequ.accounts.roles import Perm
from shequ.accounts.scope import has_perm_anywhere
from shequ.core.models import CalendarDay, DayKind


def warn_from(year: int) -> dt.date:
    """The day of `year` from which a missing next year is warned about (1 November by default).
    Raises ValueError when the settings do not name a day of the year."""
    return dt.date(year, settings.SHEQU_CALENDAR_WARN_MONTH, settings.SHEQU_CALENDAR_WARN_DAY)


def year_without_holidays(today: dt.date) -> int | None:
    """Next year, when `today` is on or after the warning day and no public holiday of next year is
    in the calendar yet; otherwise None. Without them, case clocks would count 元旦 or 春节 as
    working days from 1 January."""
    if today < warn_from(today.year):
        return None
    year = today.year + 1
    if CalendarDay.objects.filter(date__year=year, kind=DayKind.HOLIDAY).exists():
        return None
    return year


def calendar_warning_for(user: Any, today: dt.date) -> int | None:
    """The year whose holidays `user` should enter, for those who edit the calendar (Perm.CONFIGURE)."""
    if not has_perm_anywhere(user, Perm.CONFIGURE):
        return None
    try:
        return year_without_holidays(today)
    except ValueError:  # a warning day that is no date: `manage.py check` reports it (shequ.E004)
        return None
