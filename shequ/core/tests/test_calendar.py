"""The working-hours calendar SLA clocks count on: arithmetic over weekends, public holidays and
make-up working days; the cached calendar; the services that edit it; the 工作日历 page."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import checks
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.conftest import log_in, screenshot
from shequ.core import calendar, services
from shequ.core.calendar import WorkCalendar, get_calendar, parse_working_hours, read_calendar_file
from shequ.core.checks import check_working_hours
from shequ.core.errors import RuleError
from shequ.core.models import CalendarDay, DayKind
from shequ.testing import PASSWORD, County, ensure_reference_data, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The shipped 2025–2026 State Council calendar, without the database: most arithmetic tests use it.
OFFICIAL = WorkCalendar({day: kind for day, kind, _name in read_calendar_file()})


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def html(response: Any) -> str:
    return response.content.decode()


# --- working days ---------------------------------------------------------------------------------


def test_weekdays_work_and_weekends_rest_by_default() -> None:
    cal = WorkCalendar({})
    assert cal.is_working_day(dt.date(2027, 3, 5))  # Friday
    assert not cal.is_working_day(dt.date(2027, 3, 6))  # Saturday
    assert not cal.is_working_day(dt.date(2027, 3, 7))  # Sunday


def test_official_holidays_and_make_up_days_of_2025_and_2026_are_loaded() -> None:
    assert not OFFICIAL.is_working_day(dt.date(2026, 10, 1))  # 国庆节, a Thursday
    assert not OFFICIAL.is_working_day(dt.date(2026, 2, 16))  # 春节
    assert not OFFICIAL.is_working_day(dt.date(2025, 1, 1))  # 元旦
    assert OFFICIAL.is_working_day(dt.date(2026, 9, 20))  # Sunday, 国庆节调休
    assert OFFICIAL.is_working_day(dt.date(2026, 10, 10))  # Saturday, 国庆节调休
    assert OFFICIAL.is_working_day(dt.date(2025, 1, 26))  # Sunday, 春节调休


def test_2025_and_2026_each_have_248_working_days_as_published() -> None:
    for year in (2025, 2026):
        first, stop = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
        walked = sum(
            OFFICIAL.is_working_day(first + dt.timedelta(days=i)) for i in range((stop - first).days)
        )
        assert OFFICIAL.working_days_between(first, stop) == walked == 248


# --- adding working hours -------------------------------------------------------------------------


def test_limit_running_into_the_weekend_continues_on_monday() -> None:
    # Friday 16:00 + 4 h: two hours on Friday, two on Monday morning.
    assert OFFICIAL.add_working_hours(at(2026, 3, 13, 16), 4) == at(2026, 3, 16, 10, 30)


def test_a_working_day_has_eight_hours_and_ends_at_six() -> None:
    assert OFFICIAL.hours_per_day == 8
    assert OFFICIAL.add_working_hours(at(2026, 3, 16, 8, 30), 8) == at(2026, 3, 16, 18)
    assert OFFICIAL.add_working_hours(at(2026, 3, 16, 8, 30), 3.5) == at(2026, 3, 16, 12)
    assert OFFICIAL.add_working_hours(at(2026, 3, 16, 11), 2) == at(2026, 3, 16, 14, 30)  # over lunch


def test_national_day_holiday_stops_the_clock() -> None:
    # Wednesday 30 September 17:00 + 2 h: one hour that day, then 1–7 October off, then Thursday 8th.
    assert OFFICIAL.add_working_hours(at(2026, 9, 30, 17), 2) == at(2026, 10, 8, 9, 30)
    assert OFFICIAL.working_hours_between(at(2026, 9, 30, 8, 30), at(2026, 10, 8, 18)) == 16


def test_make_up_working_days_count_as_working_time() -> None:
    # Friday 18 September 17:00 + 2 h: Saturday off, Sunday 20 September is worked (调休).
    assert OFFICIAL.add_working_hours(at(2026, 9, 18, 17), 2) == at(2026, 9, 20, 9, 30)
    # Friday 9 October 17:00 + 2 h: Saturday 10 October is worked.
    assert OFFICIAL.add_working_hours(at(2026, 10, 9, 17), 2) == at(2026, 10, 10, 9, 30)
    assert OFFICIAL.working_hours_between(at(2026, 10, 10), at(2026, 10, 11)) == 8


def test_a_case_reported_in_the_evening_starts_counting_next_morning() -> None:
    assert OFFICIAL.add_working_hours(at(2026, 3, 16, 20), 1) == at(2026, 3, 17, 9, 30)
    assert OFFICIAL.add_working_hours(at(2026, 3, 17, 6), 1) == at(2026, 3, 17, 9, 30)


def test_a_case_reported_at_lunch_starts_counting_at_half_past_one() -> None:
    assert OFFICIAL.add_working_hours(at(2026, 3, 16, 12, 30), 1) == at(2026, 3, 16, 14, 30)
    assert OFFICIAL.next_working_moment(at(2026, 3, 16, 12, 15)) == at(2026, 3, 16, 13, 30)


def test_a_case_reported_at_the_weekend_starts_counting_on_monday() -> None:
    assert OFFICIAL.add_working_hours(at(2026, 3, 14, 10), 1) == at(2026, 3, 16, 9, 30)
    assert OFFICIAL.next_working_moment(at(2026, 3, 15, 23, 59)) == at(2026, 3, 16, 8, 30)


def test_next_working_moment_during_work_is_now() -> None:
    now = at(2026, 3, 16, 10, 17)
    assert OFFICIAL.next_working_moment(now) == now
    assert OFFICIAL.is_working_time(now)
    assert not OFFICIAL.is_working_time(at(2026, 3, 16, 12))  # lunch starts at 12:00 sharp


def test_zero_hours_gives_the_next_working_moment() -> None:
    assert OFFICIAL.add_working_hours(at(2026, 3, 16, 10), 0) == at(2026, 3, 16, 10)
    assert OFFICIAL.add_working_hours(at(2026, 3, 16, 12), 0) == at(2026, 3, 16, 13, 30)
    assert OFFICIAL.add_working_hours(at(2026, 9, 30, 18), 0) == at(2026, 10, 8, 8, 30)


def test_negative_hours_walk_backwards() -> None:
    assert OFFICIAL.add_working_hours(at(2026, 3, 16, 9), -1) == at(2026, 3, 13, 17, 30)
    assert OFFICIAL.add_working_hours(at(2026, 3, 16, 14), -1) == at(2026, 3, 16, 11, 30)
    assert OFFICIAL.add_working_hours(at(2026, 10, 8, 9), -1) == at(2026, 9, 30, 17, 30)
    assert OFFICIAL.add_working_hours(at(2026, 3, 16, 20), -8) == at(2026, 3, 16, 8, 30)


def test_working_hours_between_is_signed() -> None:
    start, end = at(2026, 3, 13, 16), at(2026, 3, 16, 10, 30)
    assert OFFICIAL.working_hours_between(start, end) == 4
    assert OFFICIAL.working_hours_between(end, start) == -4
    assert OFFICIAL.working_hours_between(start, start) == 0


def test_times_in_other_zones_are_read_as_shanghai_time() -> None:
    utc_friday_8am = dt.datetime(2026, 3, 13, 8, tzinfo=dt.UTC)  # 16:00 in Shanghai
    result = OFFICIAL.add_working_hours(utc_friday_8am, 4)
    assert result == at(2026, 3, 16, 10, 30) and result.tzinfo == SHANGHAI


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        OFFICIAL.add_working_hours(dt.datetime(2026, 3, 16, 9), 1)


def test_long_limits_skip_whole_days() -> None:
    start = at(2025, 1, 2, 8, 30)
    end = OFFICIAL.add_working_hours(start, 2000)  # 250 working days
    days = OFFICIAL.working_days_between(dt.date(2025, 1, 2), end.date() + dt.timedelta(days=1))
    assert days == 250 and end.hour == 18
    assert OFFICIAL.working_hours_between(start, end) == 2000
    assert OFFICIAL.add_working_hours(end, -2000) == start


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(
        min_value=dt.datetime(2025, 1, 1),
        max_value=dt.datetime(2026, 12, 31, 23, 59),
        timezones=st.just(SHANGHAI),
    ),
    hours=st.floats(min_value=0, max_value=500, allow_nan=False),
    backwards=st.booleans(),
)
def test_working_hours_between_undoes_add_working_hours(
    start: dt.datetime, hours: float, backwards: bool
) -> None:
    signed = -hours if backwards else hours
    end = OFFICIAL.add_working_hours(start, signed)
    assert math.isclose(OFFICIAL.working_hours_between(start, end), signed, abs_tol=1e-6)
    if dt.timedelta(hours=hours):  # some work, either way, ends inside or at the edge of work
        assert (end < start) if backwards else (end > start)
        edge = end - dt.timedelta(microseconds=1) if not backwards else end
        assert OFFICIAL.is_working_time(edge)


# --- working hours setting ------------------------------------------------------------------------


def test_working_hours_come_from_the_setting(settings: Any) -> None:
    settings.SHEQU_WORKING_HOURS = "09:00-17:00"
    cal = WorkCalendar({})
    assert cal.hours_per_day == 8
    assert cal.add_working_hours(at(2027, 3, 5, 16), 2) == at(2027, 3, 8, 10)


def test_working_hours_are_parsed_into_ordered_periods() -> None:
    assert parse_working_hours("08:30-12:00, 13:30-18:00") == (
        (dt.timedelta(hours=8, minutes=30), dt.timedelta(hours=12)),
        (dt.timedelta(hours=13, minutes=30), dt.timedelta(hours=18)),
    )


@pytest.mark.parametrize(
    "value", ["", "8-12", "08:30-12:00,11:00-18:00", "18:00-08:30", "08:30-25:00", "午前-午後"]
)
def test_system_check_rejects_malformed_working_hours(settings: Any, value: str) -> None:
    settings.SHEQU_WORKING_HOURS = value
    errors = check_working_hours(None)
    assert [e.id for e in errors] == ["shequ.E003"]
    assert errors[0].level == checks.ERROR


def test_system_check_accepts_the_default_working_hours() -> None:
    assert check_working_hours(None) == []


# --- the cached calendar --------------------------------------------------------------------------


@pytest.mark.django_db
def test_calendar_loads_in_one_query_and_then_from_memory(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        cal = get_calendar()
    with django_assert_num_queries(0):
        for day in range(1, 31):
            calendar.add_working_hours(at(2026, 9, day, 17), 3)
        assert get_calendar() is cal
    assert not cal.is_working_day(dt.date(2026, 10, 1))
    assert cal.names[dt.date(2026, 10, 1)] == "国庆节"


@pytest.mark.django_db
def test_calendar_days_come_back_after_a_flush() -> None:
    """Browser tests flush every table; the next test must find the official calendar again."""
    get_calendar()
    CalendarDay.objects.all().delete()
    ensure_reference_data()
    assert CalendarDay.objects.count() == len(read_calendar_file())
    assert not calendar.is_working_day(dt.date(2026, 10, 1))


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


# --- the page -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_community_worker_reads_the_calendar_without_editing(client: Any, county: County) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    response = client.get(reverse("core:calendar"), {"year": 2026})
    page = html(response)
    assert response.status_code == 200
    assert 'data-date="2026-10-01"' in page and "国庆节调休" in page
    assert 'class="cal-day holiday' in page and 'class="cal-day workday' in page
    assert reverse("core:calendar_remove") not in page and 'name="kind"' not in page
    assert reverse("core:calendar") in html(client.get(reverse("registry:dashboard")))  # the menu
    refused = client.post(reverse("core:calendar"), {"date": "2027-02-08", "kind": "holiday", "name": "春节"})
    assert refused.status_code == 403
    assert client.post(reverse("core:calendar_remove"), {"date": "2026-10-01"}).status_code == 403
    assert CalendarDay.objects.filter(date=dt.date(2026, 10, 1)).exists()


@pytest.mark.django_db
def test_resident_may_not_open_the_calendar(client: Any, county: County) -> None:
    client.force_login(make_user(Role.RESIDENT, county.community_a1))
    assert client.get(reverse("core:calendar")).status_code == 403


@pytest.mark.django_db
def test_calendar_shows_the_current_year_by_default(client: Any) -> None:
    with time_machine.travel(dt.datetime(2027, 6, 1, 10, tzinfo=SHANGHAI), tick=False):
        client.force_login(make_user(Role.ADMIN))
        page = html(client.get(reverse("core:calendar")))
    assert '<option value="2027" selected>' in page
    assert '<td class="empty"' in page  # 2027 is not published yet: nothing entered
    assert 'data-date="2027-06-01"' in page


@pytest.mark.django_db
def test_admin_adds_changes_and_removes_a_day_on_the_page(client: Any) -> None:
    client.force_login(make_user(Role.ADMIN))
    url = reverse("core:calendar")
    response = client.post(url, {"date": "2027-02-08", "kind": "holiday", "name": "春节"})
    assert response.status_code == 302 and response["Location"] == f"{url}?year=2027"
    page = html(client.get(response["Location"]))
    assert 'class="cal-day holiday" data-date="2027-02-08"' in page and "春节" in page
    client.post(url, {"date": "2027-02-08", "kind": "holiday", "name": "春节假期"})
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 8)).name == "春节假期"
    removed = client.post(reverse("core:calendar_remove"), {"date": "2027-02-08"})
    assert removed.status_code == 302
    assert not CalendarDay.objects.filter(date=dt.date(2027, 2, 8)).exists()
    assert calendar.is_working_day(dt.date(2027, 2, 8))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"date": "2027-02-30", "kind": "holiday", "name": "春节"},
        {"date": "next friday", "kind": "holiday"},
        {"date": "", "kind": "holiday"},
        {"date": "2027-02-08", "kind": "vacation"},
        {"date": "2027-02-06", "kind": "holiday", "name": "周六"},  # a Saturday: changes nothing
        {"date": "2027-02-08", "kind": "holiday", "name": "春" * 65},
    ],
)
def test_bad_input_on_the_page_gets_a_message_not_a_500(client: Any, data: dict[str, str]) -> None:
    client.force_login(make_user(Role.ADMIN))
    response = client.post(reverse("core:calendar"), data)
    assert response.status_code == 400
    assert "errorlist" in html(response)
    assert not CalendarDay.objects.filter(date__year=2027).exists()


@pytest.mark.django_db
def test_bad_year_or_removal_gets_a_message_not_a_500(client: Any) -> None:
    client.force_login(make_user(Role.ADMIN))
    for year in ["abc", "99999", "-1", "1066"]:
        response = client.get(reverse("core:calendar"), {"year": year})
        assert response.status_code == 200 and "msg-error" in html(response)
    for date in ["", "2027-13-01", "2027-03-01"]:  # the last has nothing to remove
        response = client.post(reverse("core:calendar_remove"), {"date": date}, follow=True)
        assert response.status_code == 200 and "msg-error" in html(response)


@pytest.mark.django_db
def test_year_switch_with_htmx_answers_the_year_only(client: Any) -> None:
    client.force_login(make_user(Role.ADMIN))
    response = client.get(reverse("core:calendar"), {"year": 2025}, headers={"HX-Request": "true"})
    page = html(response)
    assert response.status_code == 200 and "<html" not in page
    assert 'data-date="2025-01-28"' in page and "248" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_clicks_a_day_marks_it_a_holiday_and_switches_year(page: Any) -> None:
    make_user(Role.ADMIN, username="calendar_admin")
    log_in(page, "calendar_admin", PASSWORD)
    page.goto(page.base_url + "/core/calendar/?year=2027")
    page.click('td[data-date="2027-02-08"]')  # fills the form's date; a weekday suggests a holiday
    assert page.input_value("#id_date") == "2027-02-08"
    assert page.input_value("#id_kind") == "holiday"
    page.fill("#id_name", "春节")
    page.click(".cal-side button[type=submit]")
    page.wait_for_selector('td.holiday[data-date="2027-02-08"]')
    assert "春节" in page.inner_text("#calendar-exceptions")
    screenshot(page, "working_calendar_2027")
    page.select_option("select[name=year]", "2026")  # HTMX swaps the year in place
    page.wait_for_selector('td.holiday[data-date="2026-10-01"]')
    page.wait_for_selector('td.workday[data-date="2026-10-10"]')
    assert "year=2026" in page.url
    screenshot(page, "working_calendar_2026")


@pytest.mark.django_db
def test_django_admin_edits_go_through_the_services(client: Any, settings: Any) -> None:
    from shequ.accounts.models import User

    settings.SHEQU_ADMIN_ENABLED = True
    client.force_login(User.objects.create_superuser("root", password=PASSWORD))
    url = reverse("admin:core_calendarday_add")
    saved = client.post(url, {"date": "2027-02-08", "kind": "holiday", "name": "春节"})
    assert saved.status_code == 302
    assert AuditEvent.objects.filter(action="calendar:set").exists()
    assert not calendar.is_working_day(dt.date(2027, 2, 8))
    refused = client.post(url, {"date": "2027-02-06", "kind": "holiday", "name": "周六"})
    assert refused.status_code == 200 and "errorlist" in html(refused)
    assert not CalendarDay.objects.filter(date=dt.date(2027, 2, 6)).exists()
