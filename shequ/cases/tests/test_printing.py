"""案件处理单: a case's routing sheet downloaded as a PDF, opened and read back."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from shequ.audit.models import AuditEvent
from shequ.cases.actions import CaseAction
from shequ.cases.models import CaseStatus
from shequ.cases.testing import CaseWorld, advance, build_case_world, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


def pdf_text(response: Any) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "".join("".join(page.extract_text() or "" for page in reader.pages).split())


def test_routing_sheet_shows_the_case_its_steps_and_signature_boxes(world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.REPLIED)
    client = Client()
    client.force_login(world.worker)

    text = pdf_text(client.get(reverse("cases:print", args=[case.pk])))

    assert "案件处理单" in text
    assert case.number in text
    assert "垃圾堆放" in text and "楼下垃圾堆放三天无人清运" in text
    for step in ("登记", "立案", "派遣", "单位签收", "处置反馈"):  # each step of the case file
        assert step in text
    assert "熟溪物业服务中心" in text and "已清运" in text
    assert "138****8000" in text and "13800138000" not in text
    assert "受理人（签字）" in text and "承办单位（盖章）" in text and "核查人（签字）" in text
    assert AuditEvent.objects.filter(action=CaseAction.PRINT, target_id=str(case.pk)).exists()


def test_routing_sheet_of_a_case_outside_the_scope_is_not_found(world: CaseWorld) -> None:
    case = report(world)
    client = Client()
    client.force_login(world.outsider)
    assert client.get(reverse("cases:print", args=[case.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=CaseAction.PRINT).exists()


def test_case_page_links_to_the_routing_sheet(world: CaseWorld) -> None:
    case = report(world)
    client = Client()
    client.force_login(world.worker)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:print", args=[case.pk]) in html and "打印" in html
