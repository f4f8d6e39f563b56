"""Time limits of a case in working hours: weekends, public holidays and make-up working days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shequ.cases import services
from shequ.cases.models import CaseStatus, Light, Stage
from shequ.cases.services.common import acting_at
from shequ.cases.testing import CaseWorld, advance, build_case_world, report
from shequ.core.actors import System
from shequ.workdays.services import set_calendar_day

SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def world(county) -> CaseWorld:
    world = build_case_world(county)
    world.category.accept_hours = Decimal(4)
    world.category.save()
    return world


@pytest.mark.parametrize(
    ("reported", "due", "why"),
    [
        (at(2026, 11, 24, 9, 0), at(2026, 11, 24, 14, 30), "a weekday: 3 h before lunch, 1 h after"),
        (at(2026, 11, 27, 17, 0), at(2026, 11, 30, 11, 30), "Friday evening: the weekend does not count"),
        (at(2026, 9, 30, 17, 0), at(2026, 10, 8, 11, 30), "National Day, 1-7 October, does not count"),
        (at(2026, 10, 9, 17, 0), at(2026, 10, 10, 11, 30), "Saturday 10 October is a make-up working day"),
        (
            at(2026, 11, 28, 10, 0),
            at(2026, 11, 30, 14, 0),
            "reported on a Saturday: counts from Monday 08:30",
        ),
    ],
)
def test_acceptance_deadline_counts_working_hours(world, reported, due, why):
    with acting_at(reported):
        case = report(world, reported_at=reported)
    assert case.due_at == due, why
    # The yellow light comes at 80 % of the limit: 3.2 working hours in.
    assert case.warn_at is not None and reported <= case.warn_at < due


def test_an_edited_calendar_moves_the_next_deadline(world):
    # A county declares Monday 30 November a holiday (say, a local festival).
    set_calendar_day(date=dt.date(2026, 11, 30), kind="holiday", name="地方节日", by=System("test"))
    with acting_at(at(2026, 11, 27, 17, 0)):
        case = report(world, reported_at=at(2026, 11, 27, 17, 0))
    assert case.due_at == at(2026, 12, 1, 11, 30)


def test_lights_follow_the_share_of_the_limit_used(world):
    reported = at(2026, 11, 24, 9, 0)
    with acting_at(reported):
        case = report(world, reported_at=reported)
    services.run_clock(at=at(2026, 11, 24, 11, 0))
    case.refresh_from_db()
    assert case.light == Light.GREEN
    services.run_clock(at=at(2026, 11, 24, 13, 50))  # 3 h + 20 min = 83 %
    case.refresh_from_db()
    assert case.light == Light.YELLOW
    services.run_clock(at=at(2026, 11, 24, 14, 31))
    case.refresh_from_db()
    assert case.light == Light.RED and case.overdue_ever


def test_a_stage_finished_late_counts_against_on_time_even_after_the_light_resets(world):
    reported = at(2026, 11, 24, 9, 0)
    with acting_at(reported):
        case = report(world, reported_at=reported)
    with acting_at(at(2026, 11, 25, 9, 0)):
        case = services.accept_case(case, by=world.worker)
    assert case.overdue_ever and case.light == Light.GREEN and case.stage == Stage.DISPATCH
    with acting_at(at(2026, 11, 25, 9, 30)):
        case = advance(world, case, CaseStatus.TO_EVALUATE)
    # Tuesday 09:00-18:00 is 7.5 working hours, Wednesday 08:30-09:30 one more.
    assert case.handling_hours == pytest.approx(8.5, abs=0.01)
