"""The stage clock of a case, counted in working hours on the editable calendar (DESIGN rule 6).

Each stage that runs on a clock (accept, dispatch, handle, verify) gets a limit from its category,
halved (by default) for urgent cases. The 80 % point and the deadline are computed once when the
stage starts, so the periodic job and the lists only compare timestamps.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from shequ.core.calendar import get_calendar

from .models import Case, Light, Urgency


def limit_for(case: Case, stage: str) -> float:
    hours = case.category.limit_hours(stage)
    if case.urgency == Urgency.URGENT:
        hours *= settings.SHEQU_CASE_URGENT_FACTOR
    return hours


def start(case: Case, stage: str, now: dt.datetime) -> None:
    limit = limit_for(case, stage)
    cal = get_calendar()
    case.stage = stage
    case.stage_started_at = now
    case.limit_hours = limit
    case.warn_at = cal.add_working_hours(now, limit * settings.SHEQU_CASE_WARN_RATIO)
    case.due_at = cal.add_working_hours(now, limit)
    case.light = light_at(case, now)
    case.rules_applied = []
    case.remaining_hours = None


def stop(case: Case, now: dt.datetime) -> None:
    """End the running stage; a stage finished after its deadline marks the case as having been late."""
    if case.due_at is not None and now > case.due_at:
        case.overdue_ever = True
    case.stage = ""
    case.stage_started_at = None
    case.limit_hours = None
    case.warn_at = None
    case.due_at = None
    case.light = ""
    case.rules_applied = []
    case.remaining_hours = None


def pause(case: Case, now: dt.datetime) -> None:
    """Suspension (挂起) stops the clock; what was left, even if negative, is kept for resuming."""
    if case.due_at is not None:
        case.remaining_hours = get_calendar().working_hours_between(now, case.due_at)
        if now > case.due_at:
            case.overdue_ever = True
    case.warn_at = None
    case.due_at = None
    case.light = ""


def resume(case: Case, now: dt.datetime) -> None:
    if case.remaining_hours is None or case.limit_hours is None:
        return
    cal = get_calendar()
    remaining = case.remaining_hours
    case.due_at = cal.add_working_hours(now, remaining)
    case.warn_at = cal.add_working_hours(
        now, remaining - case.limit_hours * (1 - settings.SHEQU_CASE_WARN_RATIO)
    )
    case.remaining_hours = None
    case.light = light_at(case, now)


def light_at(case: Case, now: dt.datetime) -> str:
    if case.due_at is None:
        return ""
    if now >= case.due_at:
        return Light.RED
    if case.warn_at is not None and now >= case.warn_at:
        return Light.YELLOW
    return Light.GREEN


def used_ratio(case: Case, now: dt.datetime) -> float | None:
    """Share of the stage's limit used so far (for the traffic-light bar)."""
    if case.due_at is None or not case.limit_hours:
        return None
    left = get_calendar().working_hours_between(now, case.due_at)
    return max(0.0, 1 - left / case.limit_hours)
