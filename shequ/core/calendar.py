"""The working-hours calendar that SLA clocks count on (DESIGN rule 6, docs/calendar.md).

A working day is Monday to Friday, unless a `CalendarDay` row says otherwise: public holidays
that fall on a weekday are days off, make-up working days (调休上班) on a weekend are worked.
Each working day has the working periods of `SHEQU_WORKING_HOURS` (default
``08:30-12:00,13:30-18:00``, eight hours). Periods are half-open: 12:00 is lunch, not work.

`WorkCalendar` is pure: it holds the exceptions and the periods and does arithmetic on aware
datetimes in the project time zone (Asia/Shanghai, which has no daylight saving time, so local
wall-clock arithmetic is exact). `get_calendar()` builds one from the table and keeps it for
the process until a service changes a row; a job that handles thousands of cases asks for it
once and costs one query.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from .models import CalendarDay, DayKind

DEFAULT_WORKING_HOURS = "08:30-12:00,13:30-18:00"
DATA_FILE = Path(__file__).parent / "data" / "calendar.csv"
_MIDNIGHT = dt.time(0, 0)
_ONE_DAY = dt.timedelta(days=1)
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")

# A working period as offsets from midnight: [start, end).
Period = tuple[dt.timedelta, dt.timedelta]


# --- working hours ------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def parse_working_hours(value: str) -> tuple[Period, ...]:
    """``"08:30-12:00,13:30-18:00"`` → periods; ValueError says what is wrong with a bad value.

    Periods must be in order within one day and must not overlap.
    """
    periods: list[Period] = []
    parts = [p.strip() for p in (value or "").split(",") if p.strip()]
    if not parts:
        raise ValueError("no working period given")
    for part in parts:
        match = _PERIOD.match(part.replace(" ", ""))
        if match is None:
            raise ValueError(f"{part!r} is not a period like 08:30-12:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"{part!r} is not a time of day between 00:00 and 23:59")
        start, end = dt.timedelta(hours=h1, minutes=m1), dt.timedelta(hours=h2, minutes=m2)
        if end <= start:
            raise ValueError(f"{part!r} ends before it starts")
        if periods and start < periods[-1][1]:
            raise ValueError(f"{part!r} overlaps or comes before the period before it")
        periods.append((start, end))
    return tuple(periods)


def working_periods() -> tuple[Period, ...]:
    """The periods of `SHEQU_WORKING_HOURS`, parsed once per value."""
    value = getattr(settings, "SHEQU_WORKING_HOURS", DEFAULT_WORKING_HOURS)
    try:
        return parse_working_hours(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"SHEQU_WORKING_HOURS={value!r}: {exc}") from exc


def format_periods(periods: Iterable[Period]) -> str:
    """``08:30–12:00, 13:30–18:00`` for pages."""

    def hm(offset: dt.timedelta) -> str:
        minutes = int(offset.total_seconds()) // 60
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    return ", ".join(f"{hm(a)}–{hm(b)}" for a, b in periods)


# --- the calendar ---------------------------------------------------------------------------------


def default_is_working_day(day: dt.date) -> bool:
    """The rule without exceptions: Monday to Friday."""
    return day.weekday() < 5


class WorkCalendar:
    """Working days and hours: the default week, the exceptions, and the daily periods."""

    def __init__(
        self,
        exceptions: Mapping[dt.date, str] | None = None,
        *,
        periods: Iterable[Period] | None = None,
        names: Mapping[dt.date, str] | None = None,
    ) -> None:
        self.exceptions: dict[dt.date, str] = dict(exceptions or {})
        self.names: dict[dt.date, str] = dict(names or {})
        self.periods: tuple[Period, ...] = tuple(periods) if periods is not None else working_periods()
        if not self.periods:
            raise ValueError("a calendar needs at least one working period")
        self.day_length: dt.timedelta = sum((b - a for a, b in self.periods), dt.timedelta())
        # Exceptions that really change a day, sorted, so counting days over a span is a bisect.
        self._changes: list[tuple[dt.date, int]] = sorted(
            (day, int(kind == DayKind.WORKDAY) - int(default_is_working_day(day)))
            for day, kind in self.exceptions.items()
            if (kind == DayKind.WORKDAY) != default_is_working_day(day)
        )
        self._change_days = [day for day, _delta in self._changes]
        self._change_sums = [0]
        for _day, delta in self._changes:
            self._change_sums.append(self._change_sums[-1] + delta)

    def __repr__(self) -> str:
        return f"<WorkCalendar {len(self.exceptions)} exceptions, {format_periods(self.periods)}>"

    @property
    def hours_per_day(self) -> float:
        return self.day_length.total_seconds() / 3600

    # days

    def kind_of(self, day: dt.date) -> str | None:
        """The exception recorded for `day` (a DayKind value), or None when the default rule holds."""
        return self.exceptions.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        kind = self.exceptions.get(day)
        if kind is None:
            return default_is_working_day(day)
        return kind == DayKind.WORKDAY

    def working_days_between(self, first: dt.date, stop: dt.date) -> int:
        """Working days in [first, stop), counted by arithmetic, not by walking the days."""
        if stop <= first:
            return 0
        return self._weekdays_before(stop) - self._weekdays_before(first) + self._changes_in(first, stop)

    @staticmethod
    def _weekdays_before(day: dt.date) -> int:
        """Monday-to-Friday days from an arbitrary Monday (0001-01-01) up to `day`, exclusive."""
        days = day.toordinal() - 1  # 0001-01-01 is a Monday
        weeks, rest = divmod(days, 7)
        return weeks * 5 + min(rest, 5)

    def _changes_in(self, first: dt.date, stop: dt.date) -> int:
        lo = bisect.bisect_left(self._change_days, first)
        hi = bisect.bisect_left(self._change_days, stop)
        return self._change_sums[hi] - self._change_sums[lo]

    # moments

    def is_working_time(self, moment: dt.datetime) -> bool:
        local = _local(moment)
        if not self.is_working_day(local.date()):
            return False
        offset = local - dt.datetime.combine(local.date(), _MIDNIGHT)
        return any(a <= offset < b for a, b in self.periods)

    def next_working_moment(self, moment: dt.datetime) -> dt.datetime:
        """`moment` itself during working time, else the start of the next working period."""
        return self.add_working_hours(moment, 0)

    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The moment `hours` working hours after `start` (before it, when negative).

        Counting forward starts at the next working moment, so a case reported on Friday evening
        starts its clock on Monday morning; an amount that ends exactly at the end of a period
        ends there (a limit of 8 hours from 08:30 ends at 18:00 the same day). Zero hours gives
        the next working moment. Counting backward mirrors it.
        """
        amount = dt.timedelta(hours=hours)
        local = _local(start)
        result = self._forward(local, amount) if amount >= dt.timedelta() else self._backward(local, -amount)
        return result.replace(tzinfo=timezone.get_default_timezone())

    def working_hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working hours from `start` to `end`; negative when `end` is before `start`."""
        return self.working_time_between(start, end).total_seconds() / 3600

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Same as `working_hours_between`, exact to the microsecond."""
        a, b = _local(start), _local(end)
        if b < a:
            return -self._between(b, a)
        return self._between(a, b)

    # internals (naive local datetimes)

    def _worked_on(self, day: dt.date, frm: dt.timedelta, to: dt.timedelta) -> dt.timedelta:
        """Working time on `day` between two offsets from its midnight."""
        if not self.is_working_day(day):
            return dt.timedelta()
        total = dt.timedelta()
        for a, b in self.periods:
            lo, hi = max(a, frm), min(b, to)
            if hi > lo:
                total += hi - lo
        return total

    def _between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        day_a, day_b = a.date(), b.date()
        off_a = a - dt.datetime.combine(day_a, _MIDNIGHT)
        off_b = b - dt.datetime.combine(day_b, _MIDNIGHT)
        if day_a == day_b:
            return self._worked_on(day_a, off_a, off_b)
        whole_days = self.working_days_between(day_a + _ONE_DAY, day_b)
        return (
            self._worked_on(day_a, off_a, _ONE_DAY)
            + whole_days * self.day_length
            + self._worked_on(day_b, dt.timedelta(), off_b)
        )

    def _forward(self, cur: dt.datetime, remaining: dt.timedelta) -> dt.datetime:
        day = cur.date()
        offset = cur - dt.datetime.combine(day, _MIDNIGHT)
        while True:
            if self.is_working_day(day):
                if offset == dt.timedelta() and remaining > self.day_length:
                    remaining -= self.day_length  # a whole day at once
                else:
                    for a, b in self.periods:
                        if offset >= b:
                            continue
                        offset = max(offset, a)
                        available = b - offset
                        if remaining <= available:
                            return dt.datetime.combine(day, _MIDNIGHT) + offset + remaining
                        remaining -= available
                        offset = b
            day += _ONE_DAY
            offset = dt.timedelta()

    def _backward(self, cur: dt.datetime, remaining: dt.timedelta) -> dt.datetime:
        day = cur.date()
        offset = cur - dt.datetime.combine(day, _MIDNIGHT)
        while True:
            if self.is_working_day(day):
                if offset == _ONE_DAY and remaining > self.day_length:
                    remaining -= self.day_length
                else:
                    for a, b in reversed(self.periods):
                        if offset <= a:
                            continue
                        offset = min(offset, b)
                        available = offset - a
                        if remaining <= available:
                            return dt.datetime.combine(day, _MIDNIGHT) + offset - remaining
                        remaining -= available
                        offset = a
            day -= _ONE_DAY
            offset = _ONE_DAY  # the end of the previous day


def _local(moment: dt.datetime) -> dt.datetime:
    """Naive wall-clock time in the project time zone; naive input is a programming error."""
    if timezone.is_naive(moment):
        raise ValueError("working-hours arithmetic needs an aware datetime")
    return moment.astimezone(timezone.get_default_timezone()).replace(tzinfo=None)


# --- loading and caching --------------------------------------------------------------------------


def read_calendar_file(path: Path = DATA_FILE) -> list[tuple[dt.date, str, str]]:
    """The official holidays and make-up working days shipped in data/calendar.csv."""
    with path.open(encoding="utf-8") as fh:
        return [(dt.date.fromisoformat(r["date"]), r["kind"], r["name"]) for r in csv.DictReader(fh)]


def load_calendar() -> WorkCalendar:
    """Build a calendar from every `CalendarDay` row: one query, a few dozen rows a year."""
    exceptions: dict[dt.date, str] = {}
    names: dict[dt.date, str] = {}
    for day, kind, name in CalendarDay.objects.values_list("date", "kind", "name"):
        exceptions[day] = kind
        names[day] = name
    return WorkCalendar(exceptions, names=names)


_VERSION_KEY = "shequ:core:calendar-version"
# Bumped on every change in this process too, so a cache that keeps nothing (DummyCache) still
# sees this process's own changes.
_local_version = 0
# (versions, working-hours setting, calendar): rebuilt when any of them changes.
_memo: tuple[tuple[Any, int], str, WorkCalendar] | None = None


def get_calendar() -> WorkCalendar:
    """The current calendar, kept per process and rebuilt after `invalidate_calendar()`.

    The version lives in the shared Django cache (CACHE_URL), so a change made by one server
    reaches the others; with the default per-process cache, other processes see it on restart.
    """
    global _memo
    shared = cache.get(_VERSION_KEY)
    if shared is None:
        cache.add(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        shared = cache.get(_VERSION_KEY)
    version = (shared, _local_version)
    hours = str(getattr(settings, "SHEQU_WORKING_HOURS", DEFAULT_WORKING_HOURS))
    memo = _memo
    if memo is not None and memo[0] == version and memo[1] == hours:
        return memo[2]
    calendar = load_calendar()
    _memo = (version, hours, calendar)
    return calendar


def invalidate_calendar() -> None:
    """Make every process reload the calendar: now, and again once the transaction commits (so
    no other process keeps a copy read before the change was visible)."""

    def bump() -> None:
        global _local_version
        _local_version += 1
        cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def clear_cache() -> None:
    """Forget this process's copy (tests, after a flush)."""
    global _memo, _local_version
    _memo = None
    _local_version += 1
    cache.delete(_VERSION_KEY)


# --- shortcuts on the current calendar ------------------------------------------------------------


def is_working_day(day: dt.date) -> bool:
    return get_calendar().is_working_day(day)


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    return get_calendar().add_working_hours(start, hours)


def working_hours_between(start: dt.datetime, end: dt.datetime) -> float:
    return get_calendar().working_hours_between(start, end)


def next_working_moment(moment: dt.datetime) -> dt.datetime:
    return get_calendar().next_working_moment(moment)
