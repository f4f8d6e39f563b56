"""The whole loop and every refusal path, through the services."""

from __future__ import annotations

import pytest

from shequ.cases.models import CaseStatus, Satisfaction, Stage
from shequ.cases.testing import CaseWorld, advance, build_case_world, photo, report


@pytest.fixture
def world(county) -> CaseWorld:
    return build_case_world(county)


def test_happy_path_walks_every_step_and_keeps_a_file(world):
    case = report(world, photo_files=[photo()])
    assert case.status == CaseStatus.REPORTED and case.stage == Stage.ACCEPT and case.due_at
    assert len(case.number) == 12 and case.attachments.count() == 1
    case = advance(world, case, CaseStatus.CLOSED)
    assert case.satisfaction == Satisfaction.SATISFIED and case.closed_at and case.handling_hours is not None
    actions = list(case.events.values_list("action", flat=True))
    assert actions == ["report", "accept", "dispatch", "take", "reply", "verify_pass", "evaluate", "close"]
