"""Two people acting at once on PostgreSQL: exactly one winner (DESIGN rule 5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from shequ.cases import services
from shequ.cases.models import Case, CaseEvent, CaseStatus, DailyCounter, Source
from shequ.cases.testing import advance, build_case_world, first_building, report
from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.racing import errors, race
from shequ.testing import build_county

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real row locks and concurrent connections: run with DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_handlers_taking_the_same_case_have_one_winner() -> None:
    world = build_case_world(build_county())
    case = advance(world, report(world), CaseStatus.DISPATCHED)
    outcomes = race(
        lambda: services.take_case(Case.objects.get(pk=case.pk), by=world.handler),
        lambda: services.take_case(Case.objects.get(pk=case.pk), by=world.handler2),
    )
    assert sorted(o.ok for o in outcomes) == [False, True]
    (error,) = errors(outcomes)
    assert isinstance(error, RuleError) and error.code == "wrong_status"
    assert CaseEvent.objects.filter(case=case, action="take").count() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDLING


def test_concurrent_first_reports_of_a_day_get_distinct_numbers() -> None:
    world = build_case_world(build_county())
    assert not DailyCounter.objects.filter(day=timezone.localdate()).exists()

    def report_one(i: int) -> Any:
        return lambda: (
            services.report_case(
                by=System("test"),
                category=world.category,
                description=f"第{i}个同时上报的问题",
                source=Source.HOTLINE,
                building=first_building(world),
            ).number
        )

    outcomes = race(*(report_one(i) for i in range(4)))
    assert errors(outcomes) == []
    numbers = [o.value for o in outcomes]
    assert len(set(numbers)) == 4
    assert sorted(n[-4:] for n in numbers) == ["0001", "0002", "0003", "0004"]
    assert DailyCounter.objects.get(day=timezone.localdate()).last == 4
