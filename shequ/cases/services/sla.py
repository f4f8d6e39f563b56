"""The periodic job: lights turn yellow at 80 % of a limit and red past it, escalation rules fire
once per stage, and cases nobody evaluated in time are closed. Safe to run as often as wanted."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.calendar import get_calendar

from ..models import (
    Case,
    CaseStatus,
    EscalationAction,
    EscalationRule,
    EventAction,
    Light,
)
from .common import CLOCK_FIELDS, lock, log, now, save
from .lifecycle import CLOCK, NEXT_LEVEL, _escalate, close_unevaluated

ESCALATABLE = (CaseStatus.REPORTED, CaseStatus.ACCEPTED)


def run_clock(at: dt.datetime | None = None) -> dict[str, int]:
    """Apply the clock to every running case. Returns how many cases each kind of step touched."""
    t = at or now()
    done: Counter[str] = Counter()
    running = Case.objects.exclude(due_at=None).exclude(status=CaseStatus.SUSPENDED)
    for pk in running.filter(light=Light.GREEN, warn_at__lte=t, due_at__gt=t).values_list("pk", flat=True):
        done["warned"] += _turn(pk, t, Light.YELLOW)
    for pk in running.filter(light__in=[Light.GREEN, Light.YELLOW], due_at__lte=t).values_list(
        "pk", flat=True
    ):
        done["overdue"] += _turn(pk, t, Light.RED)
    rules = list(EscalationRule.objects.filter(active=True).order_by("overdue_hours"))
    if rules:
        cal = get_calendar()
        for case in running.filter(light=Light.RED).only("pk", "stage", "due_at", "rules_applied"):
            late = cal.working_hours_between(case.due_at, t) if case.due_at else 0
            for rule in rules:
                if (
                    rule.stage == case.stage
                    and float(rule.overdue_hours) <= late
                    and rule.pk not in case.rules_applied
                ):
                    done[str(rule.action)] += _apply(case.pk, rule, t)
    deadline = t - dt.timedelta(days=settings.SHEQU_CASE_EVALUATION_DAYS)
    for pk in Case.objects.filter(status=CaseStatus.TO_EVALUATE, resolved_at__lte=deadline).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            case = lock(Case(pk=pk))
            if case.status == CaseStatus.TO_EVALUATE:
                close_unevaluated(case, t=t)
                done["closed_unevaluated"] += 1
    return dict(done)


@transaction.atomic
def _turn(pk: int, t: dt.datetime, light: str) -> int:
    case = lock(Case(pk=pk))
    if case.due_at is None or case.status == CaseStatus.SUSPENDED or case.light == light:
        return 0
    case.light = light
    if light == Light.RED:
        case.overdue_ever = True
    save(case, ["light", "overdue_ever"])
    action = EventAction.OVERDUE if light == Light.RED else EventAction.WARN
    log(
        case,
        action,
        by=CLOCK,
        at=t,
        unit=case.lead_unit if case.stage == "handle" else None,
        data={"stage": case.stage, "due_at": case.due_at.isoformat()},
        audit=False,
    )
    return 1


@transaction.atomic
def _apply(pk: int, rule: EscalationRule, t: dt.datetime) -> int:
    case = lock(Case(pk=pk))
    if case.stage != rule.stage or rule.pk in case.rules_applied or case.light != Light.RED:
        return 0
    case.rules_applied = [*case.rules_applied, rule.pk]
    data: dict[str, Any] = {"rule": rule.pk, "stage": case.stage}
    if rule.action == EscalationAction.ESCALATE and case.status in ESCALATABLE and case.level in NEXT_LEVEL:
        save(case, ["rules_applied"])
        _escalate(
            case, by=CLOCK, t=t, reason=_("Passed up automatically: the time limit ran out."), fields=[]
        )
        return 1
    if rule.action == EscalationAction.SUPERVISE:
        case.supervise_count += 1
        save(case, ["rules_applied", "supervise_count", *CLOCK_FIELDS])
        log(
            case,
            EventAction.SUPERVISE,
            by=CLOCK,
            at=t,
            unit=case.lead_unit,
            data=data,
            audit=False,
            comment=_("Supervised automatically: overdue by %(hours)s working hours.")
            % {"hours": rule.overdue_hours},
        )
        return 1
    save(case, ["rules_applied"])
    log(
        case,
        EventAction.REMIND,
        by=CLOCK,
        at=t,
        unit=case.lead_unit,
        data=data,
        audit=False,
        comment=_("Reminder: the time limit has run out."),
    )
    return 1
