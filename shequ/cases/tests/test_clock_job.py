"""The periodic job (services.run_clock, `manage.py run_case_clock`, the task) on a frozen clock.

The dates are an ordinary week of November 2026 (no holidays): Thursday the 19th to Monday the
23rd. A working day is 08:30–12:00 and 13:30–18:00, eight hours. Garbage (垃圾堆放) has 4 hours to
accept and to dispatch, 16 to handle and 8 to verify.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from shequ.cases import services
from shequ.cases.management.commands import run_case_clock
from shequ.cases.models import Case, CaseEvent, CaseStatus, EventAction, Level, Light, Satisfaction, Stage
from shequ.cases.services.common import acting_at
from shequ.cases.tasks import run_case_clock_task
from shequ.cases.testing import CaseWorld, build_case_world, photo, report
from shequ.core import periodic
from shequ.core.actors import System

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SH)


THURSDAY_9 = at(19, 9)


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


def dispatched(world: CaseWorld, moment: dt.datetime = THURSDAY_9) -> Case:
    """Reported, accepted and sent to the property company at `moment`: the 16-hour handling
    clock starts then (Thursday 09:00 → due Monday 09:00, yellow from Friday 15:18)."""
    with acting_at(moment):
        case = report(world)
        case = services.accept_case(case, by=world.worker)
        return services.dispatch_case(case, by=world.worker, unit=world.property_unit)


def events(case: Case, action: str) -> list[CaseEvent]:
    return list(case.events.filter(action=action).order_by("at", "id"))


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_a_case_turns_yellow_at_80_percent_and_red_only_after_the_weekend(world: CaseWorld) -> None:
    case = dispatched(world)
    assert (case.stage, case.light) == (Stage.HANDLE, Light.GREEN)
    assert case.warn_at == at(20, 15, 18)  # 12.8 of 16 working hours: Thu 7.5 h + Fri 5.3 h
    assert case.due_at == at(23, 9)  # Thu 7.5 h + Fri 8 h + Mon 0.5 h

    services.run_clock(at=at(20, 15, 17))
    assert fresh(case).light == Light.GREEN
    assert services.run_clock(at=at(20, 15, 19)) == {"warned": 1}
    assert fresh(case).light == Light.YELLOW
    # Saturday and Sunday are not working time: the limit does not run out over the weekend.
    for moment in (at(21, 10), at(22, 23, 59), at(23, 8, 59)):
        services.run_clock(at=moment)
        assert fresh(case).light == Light.YELLOW
    assert services.run_clock(at=at(23, 9, 1)) == {"overdue": 1}
    case = fresh(case)
    assert case.light == Light.RED and case.overdue_ever
    [warn] = events(case, EventAction.WARN)
    [overdue] = events(case, EventAction.OVERDUE)
    assert (warn.at, overdue.at) == (at(20, 15, 19), at(23, 9, 1))
    assert warn.actor is None and overdue.unit == world.property_unit
    assert overdue.data == {"stage": "handle", "due_at": case.due_at.isoformat()}


def test_due_soon_and_overdue_are_written_once_however_often_the_job_runs(world: CaseWorld) -> None:
    case = dispatched(world)
    for minute in range(0, 60, 5):
        services.run_clock(at=at(20, 16, minute))
    assert len(events(case, EventAction.WARN)) == 1
    for moment in (at(23, 9, 30), at(23, 9, 30), at(23, 10), at(23, 11)):
        services.run_clock(at=moment)
    assert len(events(case, EventAction.OVERDUE)) == 1
    # A case that jumps straight past its deadline (the job was down) turns red without a yellow step.
    late = dispatched(world, at(19, 10))
    assert services.run_clock(at=at(25, 9))["overdue"] == 1
    assert fresh(late).light == Light.RED
    assert events(late, EventAction.WARN) == []


def test_handling_rules_remind_then_supervise_once_each_per_stage(world: CaseWorld) -> None:
    # Defaults (migration 0002): 8 working hours late → reminder, 40 → supervision.
    case = dispatched(world)  # due Monday 09:00
    services.run_clock(at=at(23, 9, 30))
    assert events(case, EventAction.REMIND) == []
    services.run_clock(at=at(23, 17))  # 6.5 h late
    assert events(case, EventAction.REMIND) == []
    for _ in range(3):
        services.run_clock(at=at(24, 9, 30))  # 8.5 h late
    [remind] = events(case, EventAction.REMIND)
    assert remind.at == at(24, 9, 30) and remind.unit == world.property_unit
    assert fresh(case).supervise_count == 0
    services.run_clock(at=at(30, 9, 30))  # Monday a week later: 40.5 h late
    services.run_clock(at=at(30, 10))
    case = fresh(case)
    assert case.supervise_count == 1 and len(events(case, EventAction.SUPERVISE)) == 1
    assert len(case.rules_applied) == 2

    # A new stage starts a new count: the unit replies, verification fails, the clock restarts.
    with acting_at(at(30, 11)):
        case = services.take_case(case, by=world.handler)
        case = services.reply_case(case, by=world.handler, note="已清运")
        case = services.verify_case(case, by=world.grid_worker, passed=False, note="还有垃圾")
    assert case.stage == Stage.HANDLE and case.rules_applied == [] and case.light == Light.GREEN
    # Due Wednesday 11:00; eight working hours later is Thursday 11:00.
    services.run_clock(at=dt.datetime(2026, 12, 3, 10, 30, tzinfo=SH))
    assert len(events(case, EventAction.REMIND)) == 1
    services.run_clock(at=dt.datetime(2026, 12, 3, 11, 30, tzinfo=SH))
    assert len(events(case, EventAction.REMIND)) == 2


def test_an_unaccepted_case_is_passed_up_to_the_street_once(world: CaseWorld) -> None:
    with acting_at(THURSDAY_9):
        case = report(world)
    assert case.due_at == at(19, 14, 30)  # 4 working hours: 09:00–12:00, then 13:30–14:30
    services.run_clock(at=at(20, 9))  # 4 h late: overdue, not yet reminded
    case = fresh(case)
    assert (case.status, case.light) == (CaseStatus.REPORTED, Light.RED)
    assert events(case, EventAction.REMIND) == []
    services.run_clock(at=at(20, 15))  # 8.5 h late: reminder
    assert len(events(case, EventAction.REMIND)) == 1
    services.run_clock(at=at(23, 14))  # 15.5 h late
    assert fresh(case).status == CaseStatus.REPORTED
    services.run_clock(at=at(23, 14, 31))  # 16 h late: passed up
    case = fresh(case)
    assert (case.status, case.level, case.stage) == (CaseStatus.ACCEPTED, Level.STREET, Stage.DISPATCH)
    assert case.light == Light.GREEN and case.rules_applied == []
    [escalate] = events(case, EventAction.ESCALATE)
    assert escalate.at == at(23, 14, 31) and escalate.actor is None
    assert escalate.data == {"from_level": "community", "to_level": "street"}
    services.run_clock(at=at(23, 15))
    services.run_clock(at=at(23, 15))
    assert len(events(case, EventAction.ESCALATE)) == 1 and fresh(case).level == Level.STREET


def test_a_suspended_case_never_turns_red_and_resumes_with_the_time_it_had_left(world: CaseWorld) -> None:
    case = dispatched(world)  # 16 working hours from Thursday 09:00
    with acting_at(at(19, 13)):  # 3 working hours used (lunch does not count), 13 left
        case = services.suspend_case(case, by=world.worker, reason="等待业主大会表决")
    assert case.remaining_hours == pytest.approx(13.0)
    for day in (20, 23, 27, 30):
        assert services.run_clock(at=at(day, 17)) == {}
    case = fresh(case)
    assert (case.status, case.light, case.due_at) == (CaseStatus.SUSPENDED, "", None)
    assert events(case, EventAction.OVERDUE) == [] and not case.overdue_ever

    resumed_at = dt.datetime(2026, 12, 7, 9, tzinfo=SH)  # a Monday, two weeks later
    with acting_at(resumed_at):
        case = services.resume_case(case, by=world.worker)
    assert case.status == CaseStatus.DISPATCHED  # where it was when suspended
    # 13 hours from Monday 09:00: Monday 7.5 h, Tuesday 3.5 h before noon and 2 h after lunch.
    assert case.due_at == dt.datetime(2026, 12, 8, 15, 30, tzinfo=SH)
    # Yellow when 80 % of the whole 16 hours is used: 3.2 h before the deadline.
    assert case.warn_at == dt.datetime(2026, 12, 8, 10, 48, tzinfo=SH)
    services.run_clock(at=dt.datetime(2026, 12, 8, 10, 30, tzinfo=SH))
    assert fresh(case).light == Light.GREEN
    services.run_clock(at=dt.datetime(2026, 12, 8, 11, tzinfo=SH))
    assert fresh(case).light == Light.YELLOW


def test_cases_nobody_evaluates_close_when_the_window_ends(world: CaseWorld, settings: Any) -> None:
    settings.SHEQU_CASE_EVALUATION_DAYS = 3
    case = dispatched(world)
    with acting_at(at(19, 15)):
        case = services.take_case(case, by=world.handler)
        case = services.reply_case(case, by=world.handler, note="已清运", photo_files=[photo()])
        case = services.verify_case(case, by=world.grid_worker, passed=True)
    assert case.status == CaseStatus.TO_EVALUATE and case.resolved_at == at(19, 15)
    assert services.run_clock(at=at(22, 14, 59)) == {}  # calendar days: the weekend counts
    assert fresh(case).status == CaseStatus.TO_EVALUATE
    assert services.run_clock(at=at(22, 15)) == {"closed_unevaluated": 1}
    assert services.run_clock(at=at(22, 16)) == {}
    case = fresh(case)
    assert case.status == CaseStatus.CLOSED and case.satisfaction == "" and case.closed_at == at(22, 15)
    [close] = events(case, EventAction.CLOSE)
    assert close.at == at(22, 15) and close.actor is None and close.public
    # An evaluated case is not touched by the window.
    other = dispatched(world, at(20, 9))
    with acting_at(at(20, 10)):
        other = services.take_case(other, by=world.handler)
        other = services.reply_case(other, by=world.handler, note="已清运")
        other = services.verify_case(other, by=world.grid_worker, passed=True)
        services.evaluate_case(
            other, satisfaction=Satisfaction.BASIC, reporter_phone="13800138000", by=System("test")
        )
    services.run_clock(at=at(30, 9))
    assert fresh(other).satisfaction == Satisfaction.BASIC and len(events(other, EventAction.CLOSE)) == 1


def test_the_command_runs_the_clock_once_and_prints_what_it_did(world: CaseWorld) -> None:
    dispatched(world)
    out = io.StringIO()
    call_command("run_case_clock", at="2026-11-20T15:30:00+08:00", stdout=out)
    assert out.getvalue().strip() == (
        "Case clock at 2026-11-20 15:30: warned 1, overdue 0, remind 0, supervise 0, escalate 0, "
        "closed unevaluated 0"
    )
    # Without --at it runs now: here, a frozen Tuesday morning, when the case is overdue by 8 hours.
    out = io.StringIO()
    with time_machine.travel(at(24, 9, 30), tick=False):
        call_command("run_case_clock", stdout=out)
    assert "Case clock at 2026-11-24 09:30: warned 0, overdue 1, remind 1," in out.getvalue()


def test_the_command_refuses_bad_options(db: Any) -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("run_case_clock", at="next tuesday")
    with pytest.raises(CommandError, match="cannot be combined"):
        call_command("run_case_clock", at="2026-11-20T15:30", every=60)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("run_case_clock", every=0)


def test_the_loop_logs_a_failed_run_and_keeps_going(db: Any, caplog: Any) -> None:
    results: list[Any] = [RuntimeError("database went away"), {"warned": 2}, {}]

    def fake_run_clock(at: Any = None) -> dict[str, int]:
        result = results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    sleeps: list[float] = []

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise KeyboardInterrupt

    out = io.StringIO()
    with (
        mock.patch.object(run_case_clock.services, "run_clock", fake_run_clock),
        mock.patch.object(periodic.time, "sleep", fake_sleep),
    ):
        call_command("run_case_clock", every=60, stdout=out)
    text = out.getvalue()
    assert results == [] and len(sleeps) == 3 and all(0 < s <= 60 for s in sleeps)
    assert "warned 2" in text and text.count("Case clock at") == 1  # the quiet run prints nothing
    assert "Case clock stopped." in text
    assert "database went away" in caplog.text and "The case clock failed" in caplog.text


def test_the_task_runs_the_clock(world: CaseWorld) -> None:
    case = dispatched(world)
    with time_machine.travel(at(23, 10), tick=False):
        result = run_case_clock_task.enqueue()
    assert result.return_value == {"overdue": 1}
    assert fresh(case).light == Light.RED
