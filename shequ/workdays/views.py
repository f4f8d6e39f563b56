"""工作日历: the working calendar of a year, readable by everyone who works with cases, editable
by those who configure the county (Perm.CONFIGURE)."""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from shequ.accounts.decorators import perm_required
from shequ.accounts.roles import Perm
from shequ.accounts.scope import has_perm_anywhere
from shequ.accounts.typing import acting_user
from shequ.core.calendar import WorkCalendar, format_periods, get_calendar
from shequ.core.errors import RuleError
from shequ.core.models import CalendarDay, DayKind
from shequ.core.pages import is_htmx

from . import services
from .forms import CalendarDayForm, CalendarDayRemoveForm

FIRST_YEAR, LAST_YEAR = 2000, 2100
# Column heads of a month grid, Monday first (一 二 三 四 五 六 日 in Chinese).
WEEKDAY_INITIALS = [
    pgettext_lazy("weekday initial", "Mo"),
    pgettext_lazy("weekday initial", "Tu"),
    pgettext_lazy("weekday initial", "We"),
    pgettext_lazy("weekday initial", "Th"),
    pgettext_lazy("weekday initial", "Fr"),
    pgettext_lazy("weekday initial", "Sa"),
    pgettext_lazy("weekday initial", "Su"),
]


def _year(request: HttpRequest, today: dt.date) -> int:
    """?year=, or this year; a year that is not a number in range gets a message, not an error."""
    raw = (request.GET.get("year") or "").strip()
    if not raw:
        return today.year
    if raw.isascii() and raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR:  # not '¹': int() refuses it
        return int(raw)
    messages.error(
        request,
        _("%(year)s is not a year the calendar can show (%(first)d–%(last)d); showing %(this)d.")
        % {"year": raw[:12], "first": FIRST_YEAR, "last": LAST_YEAR, "this": today.year},
    )
    return today.year


def _day_cell(cal: WorkCalendar, day: dt.date, month: int, today: dt.date) -> dict[str, Any]:
    kind = cal.kind_of(day)
    if kind == DayKind.HOLIDAY:
        css = "holiday"
    elif kind == DayKind.WORKDAY:
        css = "workday"
    elif day.weekday() >= 5:
        css = "weekend"
    else:
        css = "working"
    return {
        "date": day,
        "in_month": day.month == month,
        "css": css,
        "name": cal.names.get(day, ""),
        "today": day == today,
    }


def year_months(cal: WorkCalendar, year: int, today: dt.date) -> list[dict[str, Any]]:
    """Twelve month grids (weeks from Monday), each day marked working, weekend, holiday or 调休."""
    weeks_of = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar
    months = []
    for month in range(1, 13):
        weeks = [[_day_cell(cal, d, month, today) for d in week] for week in weeks_of(year, month)]
        first, stop = dt.date(year, month, 1), dt.date(year + month // 12, month % 12 + 1, 1)
        months.append(
            {
                "number": month,
                "name": MONTHS[month],
                "weeks": weeks,
                "working_days": cal.working_days_between(first, stop),
            }
        )
    return months


def _context(request: HttpRequest, year: int, form: CalendarDayForm) -> dict[str, Any]:
    cal = get_calendar()
    today = timezone.localdate()
    exceptions = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    return {
        "year": year,
        "years": list(range(min(year, today.year) - 2, max(year, today.year) + 3)),
        "previous_year": year - 1 if year > FIRST_YEAR else None,
        "next_year": year + 1 if year < LAST_YEAR else None,
        "months": year_months(cal, year, today),
        "weekdays": list(zip(WEEKDAY_INITIALS, WEEKDAYS_ABBR.values(), strict=True)),
        "exceptions": exceptions,
        "working_days": cal.working_days_between(dt.date(year, 1, 1), dt.date(year + 1, 1, 1)),
        "working_hours": format_periods(cal.periods),
        "hours_per_day": cal.hours_per_day,
        "can_edit": has_perm_anywhere(request.user, Perm.CONFIGURE),
        "form": form,
    }


def _back_to(year: int) -> HttpResponse:
    return redirect(f"{reverse('workdays:calendar')}?year={year}")


@perm_required(Perm.VIEW_CASES)
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The year view; a POST records or changes one exception (Perm.CONFIGURE)."""
    today = timezone.localdate()
    year = _year(request, today)
    form = CalendarDayForm(request.POST or None, initial={"kind": DayKind.HOLIDAY})
    status = 200
    if request.method == "POST":
        if not has_perm_anywhere(request.user, Perm.CONFIGURE):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                day = services.set_calendar_day(
                    date=data["date"], kind=data["kind"], name=data["name"], by=acting_user(request)
                )
            except RuleError as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, str(error))
                if not exc.fields:
                    form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Saved: %(day)s.") % {"day": str(day)})
                return _back_to(day.date.year)
        status = 400
        chosen = getattr(form, "cleaned_data", {}).get("date")
        if chosen is not None and FIRST_YEAR <= chosen.year <= LAST_YEAR:
            year = chosen.year  # show the year the user was working on
    template = "workdays/_calendar_year.html" if is_htmx(request) else "workdays/calendar.html"
    return render(request, template, _context(request, year, form), status=status)


@perm_required(Perm.CONFIGURE)
@require_POST
def calendar_remove(request: HttpRequest) -> HttpResponse:
    form = CalendarDayRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a day to remove."))
        return _back_to(timezone.localdate().year)
    date = form.cleaned_data["date"]
    try:
        services.clear_calendar_day(date=date, by=acting_user(request))
    except RuleError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("Removed: %(date)s follows the normal week again.") % {"date": date.isoformat()}
        )
    year = date.year if FIRST_YEAR <= date.year <= LAST_YEAR else timezone.localdate().year
    return _back_to(year)
