"""`manage.py check` says when next year's public holidays are missing from the calendar."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from shequ.core.models import CalendarDay

from .selectors import warn_from, year_without_holidays


@checks.register()
def check_next_years_holidays(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    today = timezone.localdate()
    try:
        warn_from(today.year)
    except ValueError:
        return [
            checks.Error(
                "SHEQU_CALENDAR_WARN_MONTH and SHEQU_CALENDAR_WARN_DAY do not name a day of the year.",
                hint="For example month 11 and day 1 (1 November).",
                id="shequ.E004",
            )
        ]
    try:
        # A database without the calendar (not migrated yet, or empty, as `make check` runs on)
        # has nothing to warn about; one in use has the shipped years at least.
        if not CalendarDay.objects.exists():
            return []
        year = year_without_holidays(today)
    except DatabaseError:
        return []
    if year is None:
        return []
    return [
        checks.Warning(
            f"The working calendar has no public holidays for {year}.",
            hint=(
                f"Enter {year}'s holidays and make-up working days on the working calendar page "
                f"({reverse('workdays:calendar')}?year={year}) once the State Council publishes them; "
                "until then case time limits count those days as working days."
            ),
            id="shequ.W001",
        )
    ]
