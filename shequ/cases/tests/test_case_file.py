"""Nothing in a case file can be edited or deleted after the fact; corrections are new events."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError

from shequ.cases.models import Case, CaseAttachment, CaseEvent
from shequ.cases.testing import build_case_world, photo, report


@pytest.fixture
def case(county) -> Case:
    return report(build_case_world(county), photo_files=[photo()])


def test_events_cannot_be_changed_or_deleted(case):
    event = case.events.get()
    event.comment = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case=case).update(comment="rewritten")
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case=case).delete()
    assert case.events.get().comment == case.description


def test_attachments_cannot_be_changed_or_deleted(case):
    attachment = case.attachments.get()
    with pytest.raises(PermissionError):
        attachment.save()
    with pytest.raises(PermissionError):
        attachment.delete()
    with pytest.raises(PermissionError):
        CaseAttachment.objects.all().delete()


def test_a_case_with_a_file_cannot_be_deleted(case):
    with pytest.raises(ProtectedError):
        case.delete()
    assert Case.objects.filter(pk=case.pk).exists()
