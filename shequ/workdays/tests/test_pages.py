"""The 工作日历 page (and the Django admin's calendar days): reading, editing, bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.conftest import log_in, screenshot
from shequ.core import calendar
from shequ.core.models import CalendarDay
from shequ.testing import PASSWORD, County, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def html(response: Any) -> str:
    return response.content.decode()


# --- the page -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_community_worker_reads_the_calendar_without_editing(client: Any, county: County) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    response = client.get(reverse("workdays:calendar"), {"year": 2026})
    page = html(response)
    assert response.status_code == 200
    assert 'data-date="2026-10-01"' in page and "国庆节调休" in page
    assert 'class="cal-day holiday' in page and 'class="cal-day workday' in page
    assert reverse("workdays:calendar_remove") not in page and 'name="kind"' not in page
    assert reverse("workdays:calendar") in html(client.get(reverse("registry:dashboard")))  # the menu
    refused = client.post(
        reverse("workdays:calendar"), {"date": "2027-02-08", "kind": "holiday", "name": "春节"}
    )
    assert refused.status_code == 403
    assert client.post(reverse("workdays:calendar_remove"), {"date": "2026-10-01"}).status_code == 403
    assert CalendarDay.objects.filter(date=dt.date(2026, 10, 1)).exists()


@pytest.mark.django_db
def test_resident_may_not_open_the_calendar(client: Any, county: County) -> None:
    client.force_login(make_user(Role.RESIDENT, county.community_a1))
    assert client.get(reverse("workdays:calendar")).status_code == 403


@pytest.mark.django_db
def test_calendar_shows_the_current_year_by_default(client: Any) -> None:
    with time_machine.travel(dt.datetime(2027, 6, 1, 10, tzinfo=SHANGHAI), tick=False):
        client.force_login(make_user(Role.ADMIN))
        page = html(client.get(reverse("workdays:calendar")))
    assert '<option value="2027" selected>' in page
    assert '<td class="empty"' in page  # 2027 is not published yet: nothing entered
    assert 'data-date="2027-06-01"' in page


@pytest.mark.django_db
def test_admin_adds_changes_and_removes_a_day_on_the_page(client: Any) -> None:
    client.force_login(make_user(Role.ADMIN))
    url = reverse("workdays:calendar")
    response = client.post(url, {"date": "2027-02-08", "kind": "holiday", "name": "春节"})
    assert response.status_code == 302 and response["Location"] == f"{url}?year=2027"
    page = html(client.get(response["Location"]))
    assert 'class="cal-day holiday" data-date="2027-02-08"' in page and "春节" in page
    client.post(url, {"date": "2027-02-08", "kind": "holiday", "name": "春节假期"})
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 8)).name == "春节假期"
    removed = client.post(reverse("workdays:calendar_remove"), {"date": "2027-02-08"})
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
    response = client.post(reverse("workdays:calendar"), data)
    assert response.status_code == 400
    assert "errorlist" in html(response)
    assert not CalendarDay.objects.filter(date__year=2027).exists()


@pytest.mark.django_db
def test_bad_year_or_removal_gets_a_message_not_a_500(client: Any) -> None:
    client.force_login(make_user(Role.ADMIN))
    for year in ["abc", "99999", "-1", "1066"]:
        response = client.get(reverse("workdays:calendar"), {"year": year})
        assert response.status_code == 200 and "msg-error" in html(response)
    for date in ["", "2027-13-01", "2027-03-01"]:  # the last has nothing to remove
        response = client.post(reverse("workdays:calendar_remove"), {"date": date}, follow=True)
        assert response.status_code == 200 and "msg-error" in html(response)


@pytest.mark.django_db
def test_year_switch_with_htmx_answers_the_year_only(client: Any) -> None:
    client.force_login(make_user(Role.ADMIN))
    response = client.get(reverse("workdays:calendar"), {"year": 2025}, headers={"HX-Request": "true"})
    page = html(response)
    assert response.status_code == 200 and "<html" not in page
    assert 'data-date="2025-01-28"' in page and "248" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_clicks_a_day_marks_it_a_holiday_and_switches_year(page: Any) -> None:
    make_user(Role.ADMIN, username="calendar_admin")
    log_in(page, "calendar_admin", PASSWORD)
    page.goto(page.base_url + "/calendar/?year=2027")
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


def test_the_old_calendar_address_leads_to_the_page(client: Any) -> None:
    response = client.get("/core/calendar/", {"year": "2027"})
    assert response.status_code == 302 and response["Location"] == reverse("workdays:calendar") + "?year=2027"
