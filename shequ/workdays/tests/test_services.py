"""The services that edit the working calendar: who may, what is refused, the audit record, and
the cached calendar reloading after an edit."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.core import calendar
from shequ.core.calendar import get_calendar
from shequ.core.errors import RuleError
from shequ.core.models import CalendarDay, DayKind
from shequ.testing import County, make_user
from shequ.workdays import services


@pytest.mark.django_db
def test_editing_the_calendar_reloads_it() -> None:
    admin = make_user(Role.ADMIN)
    monday = dt.date(2027, 2, 8)
    assert calendar.is_working_day(monday)
    services.set_calendar_day(date=monday, kind=DayKind.HOLIDAY, name="春节", by=admin)
    assert not calendar.is_working_day(monday)
    assert get_calendar().names[monday] == "春节"
    services.clear_calendar_day(date=monday, by=admin)
    assert calendar.is_working_day(monday)


# --- editing: services ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_enters_next_years_holiday_and_it_is_audited(county: County) -> None:
    admin = make_user(Role.DISTRICT_ADMIN, county.district)
    day = services.set_calendar_day(date=dt.date(2027, 2, 8), kind=DayKind.HOLIDAY, name=" 春节 ", by=admin)
    assert (day.kind, day.name) == (DayKind.HOLIDAY, "春节")
    event = AuditEvent.objects.get(action="calendar:set")
    assert event.actor == admin and event.extra["after"] == {"kind": "holiday", "name": "春节"}
    services.set_calendar_day(date=dt.date(2027, 2, 8), kind=DayKind.HOLIDAY, name="春节假期", by=admin)
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 8)).name == "春节假期"
    assert AuditEvent.objects.filter(action="calendar:set").count() == 2
    services.clear_calendar_day(date=dt.date(2027, 2, 8), by=admin)
    assert not CalendarDay.objects.filter(date=dt.date(2027, 2, 8)).exists()
    assert AuditEvent.objects.get(action="calendar:clear").extra["before"]["name"] == "春节假期"


@pytest.mark.django_db
def test_community_worker_may_not_edit_the_calendar(county: County) -> None:
    worker = make_user(Role.COMMUNITY_WORKER, county.community_a1)
    before = CalendarDay.objects.count()
    with pytest.raises(RuleError) as refused:
        services.set_calendar_day(date=dt.date(2027, 2, 8), kind=DayKind.HOLIDAY, name="春节", by=worker)
    assert refused.value.code == "forbidden"
    with pytest.raises(RuleError):
        services.clear_calendar_day(date=dt.date(2026, 10, 1), by=worker)
    assert CalendarDay.objects.count() == before
    assert not AuditEvent.objects.filter(action__startswith="calendar:").exists()
    assert not calendar.is_working_day(dt.date(2026, 10, 1))


@pytest.mark.django_db
def test_a_saturday_holiday_or_a_weekday_make_up_day_is_refused() -> None:
    admin = make_user(Role.ADMIN)
    with pytest.raises(RuleError) as saturday:
        services.set_calendar_day(date=dt.date(2027, 2, 6), kind=DayKind.HOLIDAY, name="春节", by=admin)
    assert saturday.value.code == "calendar_day_changes_nothing" and "2027-02-06" in str(saturday.value)
    with pytest.raises(RuleError) as monday:
        services.set_calendar_day(date=dt.date(2027, 2, 8), kind=DayKind.WORKDAY, name="调休", by=admin)
    assert "kind" in monday.value.fields
    with pytest.raises(RuleError):
        services.set_calendar_day(date=dt.date(2027, 2, 8), kind="vacation", by=admin)
    with pytest.raises(RuleError) as missing:
        services.clear_calendar_day(date=dt.date(2027, 2, 9), by=admin)
    assert missing.value.code == "calendar_day_missing"
    assert not CalendarDay.objects.filter(date__year=2027).exists()
