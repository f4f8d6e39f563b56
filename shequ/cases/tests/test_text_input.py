"""DESIGN rule 10, text in, for cases: what the portal, the API and Open311 store is NFKC-normalised
and free of control characters (issue 11 finding 3: one ESC in a portal report broke every export)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from shequ.cases import services
from shequ.cases.models import Case, Source
from shequ.cases.testing import CaseWorld, build_case_world, first_building, photo
from shequ.core.actors import System

pytestmark = pytest.mark.django_db

JURISDICTION = "shequ.local"


@pytest.fixture(autouse=True)
def _settings(settings: Any, tmp_path: Any) -> None:
    settings.SHEQU_OPEN311_JURISDICTION = JURISDICTION
    settings.MEDIA_ROOT = tmp_path
    cache.clear()  # the portal's rate-limit counters


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


def test_a_portal_report_is_stored_without_control_characters(world: CaseWorld) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("portal:report"),
        {
            "category": world.category.pk,
            "description": "楼下\x1b[2J垃圾\x00堆放\r\n三天，无人清运！",
            "building": first_building(world).pk,
            "address": "东门\x07旁边",
            "name": "王\u202e女士",
            "phone": "１３９１２３４５６７８",
            "photos": [photo()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(source=Source.PORTAL)
    assert case.description == "楼下[2J垃圾堆放\n三天，无人清运！"
    assert case.address == "东门旁边" and case.reporter_name == "王女士"
    assert case.reporter_phone_masked == "139****5678"


def test_the_api_stores_a_case_without_control_characters(world: CaseWorld) -> None:
    _instance, token_key = AuthToken.objects.create(user=world.grid_worker)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    payload = {
        "category": world.category.code,
        "description": "井盖\x1b缺失\r\n请尽快处理",
        "building": first_building(world).pk,
        "address": "３号楼\x1b东侧",
        "source": Source.GRID,
    }
    response = client.post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.description == "井盖缺失\n请尽快处理" and case.address == "3号楼东侧"
    # NUL never reaches a serializer: the API's parsers answer 400 and nothing is stored.
    refused = client.post("/api/v1/cases/", {**payload, "description": "a\x00b"}, format="json")
    assert refused.status_code == 400
    assert Case.objects.count() == 1


def test_open311_stores_a_request_without_control_characters(world: CaseWorld) -> None:
    _client, key = services.create_open311_key(by=System("test"), name="12345 热线平台")
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "jurisdiction_id": JURISDICTION,
            "api_key": key,
            "service_code": "sanitation.garbage",
            "description": "test\x00test\r\n第二行\x1b",
            "address_id": first_building(world).code,
            "first_name": "小\x1b明",
            "last_name": "王",
        },
    )
    assert response.status_code == 200, response.content
    number = json.loads(response.content)[0]["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.description == "testtest\n第二行"
    assert case.reporter_name == "王小明"


def test_address_searches_read_full_width_text_as_stored(world: CaseWorld) -> None:
    """Stored addresses are NFKC text, so what is searched is normalised the same way."""
    portal = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("portal:buildings"), {"building_query": "溪南小区１幢"}
    )
    assert "武义县溪南小区1幢" in portal.content.decode()
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(world.grid_worker)
    found = staff.get(reverse("cases:building_search"), {"q": "溪南小区１幢"})
    assert "溪南小区" in found.content.decode() and "1幢" in found.content.decode()
