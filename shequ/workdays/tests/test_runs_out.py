"""The calendar warns before it runs out: from 1 November, while next year's public holidays are
not entered, the county admin's dashboard and `manage.py check` say so."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from shequ.accounts.roles import Role
from shequ.core.models import CalendarDay, DayKind
from shequ.testing import County, make_user
from shequ.workdays import services
from shequ.workdays.checks import check_next_years_holidays

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
OCTOBER_31 = dt.datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI)
NOVEMBER_1 = dt.datetime(2026, 11, 1, 8, 30, tzinfo=SHANGHAI)


def dashboard(client: Any) -> str:
    response = client.get(reverse("registry:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def check_output() -> str:
    err = io.StringIO()
    call_command("check", stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def test_the_shipped_calendar_has_no_holidays_of_2027() -> None:
    """The premise of the tests below: 2026 is in, 2027 is not."""
    assert CalendarDay.objects.filter(date__year=2026, kind=DayKind.HOLIDAY).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_on_31_october_nothing_warns(client: Any, county: County) -> None:
    client.force_login(make_user(Role.DISTRICT_ADMIN, county.district))
    with time_machine.travel(OCTOBER_31, tick=False):
        assert 'id="calendar-runs-out"' not in dashboard(client)
        assert check_next_years_holidays(None) == []
        assert "shequ.W001" not in check_output()


def test_from_1_november_the_admin_and_check_are_told_until_2027_is_entered(
    client: Any, county: County
) -> None:
    admin = make_user(Role.DISTRICT_ADMIN, county.district)
    client.force_login(admin)
    with time_machine.travel(NOVEMBER_1, tick=False):
        page = dashboard(client)
        assert 'id="calendar-runs-out"' in page
        assert (
            "还没有 2027 年的法定节假日" in page
            and f'href="{reverse("workdays:calendar")}?year=2027"' in page
        )
        [warning] = check_next_years_holidays(None)
        assert warning.id == "shequ.W001" and "2027" in warning.msg
        assert "shequ.W001" in check_output()

        services.set_calendar_day(date=dt.date(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦", by=admin)
        assert 'id="calendar-runs-out"' not in dashboard(client)
        assert check_next_years_holidays(None) == []
        assert "shequ.W001" not in check_output()


def test_only_those_who_edit_the_calendar_see_the_warning(client: Any, county: County) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    with time_machine.travel(NOVEMBER_1, tick=False):
        assert 'id="calendar-runs-out"' not in dashboard(client)


def test_the_warning_day_is_a_setting(client: Any, county: County, settings: Any) -> None:
    settings.SHEQU_CALENDAR_WARN_MONTH, settings.SHEQU_CALENDAR_WARN_DAY = 12, 15
    admin = make_user(Role.ADMIN)
    with time_machine.travel(NOVEMBER_1, tick=False):
        client.force_login(admin)
        assert 'id="calendar-runs-out"' not in dashboard(client)
        assert check_next_years_holidays(None) == []
    with time_machine.travel(dt.datetime(2026, 12, 15, 9, tzinfo=SHANGHAI), tick=False):
        client.force_login(admin)  # a new day, a new session: the idle timeout would end the old one
        assert 'id="calendar-runs-out"' in dashboard(client)


def test_a_warning_day_that_is_no_date_is_a_check_error_not_a_500(
    client: Any, county: County, settings: Any
) -> None:
    settings.SHEQU_CALENDAR_WARN_MONTH, settings.SHEQU_CALENDAR_WARN_DAY = 2, 30
    [error] = check_next_years_holidays(None)
    assert error.id == "shequ.E004"
    client.force_login(make_user(Role.ADMIN))
    assert 'id="calendar-runs-out"' not in dashboard(client)


def test_an_empty_database_has_nothing_to_warn_about() -> None:
    """`make check` runs on an empty production database: no rows, no warning to fail it."""
    CalendarDay.objects.all().delete()
    with time_machine.travel(NOVEMBER_1, tick=False):
        assert check_next_years_holidays(None) == []
