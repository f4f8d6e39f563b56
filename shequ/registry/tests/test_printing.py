"""The registry's printed forms: 居民登记卡, 户卡 and 楼盘表 downloaded as PDFs, opened and read back.

Each is scoped like its detail page (404 outside the scope), shows ID and phone numbers masked,
and leaves an audit record of who printed whose data.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.core.actors import System
from shequ.registry import services
from shequ.registry.actions import RegistryAction
from shequ.testing import County, add_resident, make_user

pytestmark = pytest.mark.django_db


def pdf_text(response: Any) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    # Table cells may break a run of text over lines; the checks read it as one string.
    return "".join("".join(page.extract_text() or "" for page in reader.pages).split())


@pytest.fixture
def worker_client(county: County) -> Client:
    client = Client()  # Chinese, the language the forms are printed in
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    return client


@pytest.fixture
def outsider_client(county: County) -> Client:
    client = Client()
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_b1))
    return client


def test_resident_card_shows_particulars_and_masked_numbers_only(
    county: County, worker_client: Client
) -> None:
    r = county.residents["a11"]
    services.update_resident(r, by=System("test"), fields={"workplace": "熟溪食品厂"}, reason="test")
    spouse = add_resident(r.dwelling, "张丽", household=r.household, relation_to_head="10")
    full_id = services.reveal_pii(r, by=System("test"), purpose="verify_identity", note="test")["id_number"]

    text = pdf_text(worker_client.get(reverse("registry:resident_pdf", args=[r.pk])))

    assert "居民登记卡" in text
    assert "熟溪社区" in text
    assert "张伟" in text and "张丽" in text  # the resident and their household members
    assert r.id_number_masked in text
    assert spouse.id_number_masked in text
    assert r.phone_masked in text
    assert "熟溪食品厂" in text
    assert full_id not in text
    assert "13800000001" not in text
    assert "签字" in text and "盖章" in text
    event = AuditEvent.objects.get(action=RegistryAction.PRINT_RESIDENT)
    assert event.target_id == str(r.pk)


def test_household_card_lists_every_member(county: County, worker_client: Client) -> None:
    head = county.residents["a11"]
    child = add_resident(head.dwelling, "张小明", household=head.household, relation_to_head="20")

    text = pdf_text(worker_client.get(reverse("registry:household_pdf", args=[head.household_id])))

    assert "户卡" in text
    assert head.household.number in text
    assert "张伟" in text and "张小明" in text
    assert child.id_number_masked in text
    assert (
        services.reveal_pii(child, by=System("test"), purpose="verify_identity", note="test")["id_number"]
        not in text
    )
    assert AuditEvent.objects.filter(
        action=RegistryAction.PRINT_HOUSEHOLD, target_id=str(head.household_id)
    ).exists()


def test_building_chart_lists_rooms_by_floor(county: County, worker_client: Client) -> None:
    building = county.buildings["a11"]
    services.get_or_create_dwelling(building=building, unit="2", room="502")

    text = pdf_text(worker_client.get(reverse("registry:building_pdf", args=[building.pk])))

    assert "楼盘表" in text
    assert building.code in text
    assert "301" in text and "502" in text  # the rooms, whether anyone lives there or not
    assert "张伟" in text  # the household head of 301
    assert "3层" in text and "1单元" in text and "2单元" in text
    assert AuditEvent.objects.filter(
        action=RegistryAction.PRINT_BUILDING, target_id=str(building.pk)
    ).exists()


@pytest.mark.parametrize("name", ["resident_pdf", "household_pdf", "building_pdf"])
def test_forms_outside_the_scope_are_not_found(county: County, outsider_client: Client, name: str) -> None:
    r = county.residents["a11"]
    pk = {"resident_pdf": r.pk, "household_pdf": r.household_id, "building_pdf": r.dwelling.building_id}[name]
    assert outsider_client.get(reverse(f"registry:{name}", args=[pk])).status_code == 404
    assert not AuditEvent.objects.filter(action__endswith=":print").exists()


def test_detail_pages_link_to_their_printed_form(county: County, worker_client: Client) -> None:
    r = county.residents["a11"]
    for page, pdf, pk in [
        ("resident_detail", "resident_pdf", r.pk),
        ("household_detail", "household_pdf", r.household_id),
        ("building_detail", "building_pdf", r.dwelling.building_id),
    ]:
        html = worker_client.get(reverse(f"registry:{page}", args=[pk])).content.decode()
        assert reverse(f"registry:{pdf}", args=[pk]) in html
        assert "打印" in html
