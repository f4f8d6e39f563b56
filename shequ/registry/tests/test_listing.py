"""The resident list is read flat (listing.py) but must answer what ResidentSerializer answers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import translation
from knox.models import AuthToken
from rest_framework.test import APIClient, APIRequestFactory

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.core.actors import System
from shequ.registry import selectors, services
from shequ.registry.models import Resident, TagType
from shequ.registry.serializers import ResidentSerializer
from shequ.testing import County, add_resident, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/residents/"


def client_for(user: User, language: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def serializer_output(user: User, language: str, residents: list[int]) -> list[dict[str, Any]]:
    """What ResidentSerializer makes of these residents for `user`, through the JSON renderer."""
    request = APIRequestFactory().get(URL)
    request.user = user
    by_id = {r.pk: r for r in selectors.residents_visible_to(user).filter(pk__in=residents)}
    with translation.override(language):
        data = ResidentSerializer(
            [by_id[pk] for pk in residents], many=True, context={"request": request}
        ).data
        return json.loads(json.dumps(data, default=str))


@pytest.fixture
def odd_residents(county: County) -> None:
    """Residents with the nullable and unusual values the flat reader must get right."""
    dwelling = county.residents["a11"].dwelling
    assert dwelling is not None
    bare = add_resident(dwelling, "赵敏", birth=dt.date(2000, 2, 29), sequence=21)
    # No place below the community, no codes, a passport, an unknown ethnicity code, notes.
    Resident.objects.filter(pk=bare.pk).update(
        grid=None,
        micro_grid=None,
        dwelling=None,
        household=None,
        gender="",
        birth_date=None,
        ethnicity="99",
        political_status="",
        id_type="passport",
        residence_type="floating",
        notes="夜班，白天在家",
        workplace="县医院",
    )
    born_today = add_resident(dwelling, "孙悟", birth=dt.date.today().replace(year=1990), sequence=22)  # noqa: DTZ011
    Resident.objects.filter(pk=born_today.pk).update(status="moved_out")
    # A dwelling without a unit number, and tags with and without a date and note.
    building = county.buildings["a12"]
    flat, _ = services.get_or_create_dwelling(building=building, unit="", room="101")
    add_resident(flat, "周杰", birth=dt.date(1932, 3, 4), sequence=23)
    services.add_tag(
        county.residents["a12"],
        tag=TagType.objects.get(code="veteran"),
        by=System("test"),
        since=dt.date(2019, 8, 1),
        note="二等功",
    )


@pytest.mark.parametrize("role", [Role.COMMUNITY_HEAD, Role.DISTRICT_ADMIN, Role.BUILDING_LEADER])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_resident_list_answers_what_the_serializer_answers(
    county: County, odd_residents: None, role: str, language: str
) -> None:
    node = county.grid_a1_1 if role == Role.BUILDING_LEADER else county.district
    if role == Role.COMMUNITY_HEAD:
        node = county.community_a1
    user = make_user(role, node)
    response = client_for(user, language).get(URL, {"page_size": 500})
    assert response.status_code == 200, response.content
    body = response.json()
    ids = [row["id"] for row in body["results"]]
    assert body["count"] == len(ids) == selectors.residents_visible_to(user).count() > 0
    assert body["results"] == serializer_output(user, language, ids)


def test_building_leaders_do_not_see_restricted_tags_in_the_list(county: County) -> None:
    leader = make_user(Role.BUILDING_LEADER, county.grid_a1_1)
    rows = client_for(leader, "zh-hans").get(URL).json()["results"]
    assert [t["code"] for row in rows for t in row["tags"]] == ["elderly_alone"]  # not dibao


def test_resident_list_pages_keep_the_order_and_the_count(county: County, odd_residents: None) -> None:
    user = make_user(Role.DISTRICT_ADMIN, county.district)
    client = client_for(user, "zh-hans")
    everyone = [row["id"] for row in client.get(URL, {"page_size": 500}).json()["results"]]
    pages = [client.get(URL, {"page_size": 2, "page": n}).json() for n in (1, 2, 3, 4)]
    assert [row["id"] for page in pages for row in page["results"]] == everyone
    assert {page["count"] for page in pages} == {len(everyone)}
    assert everyone == list(selectors.residents_visible_to(user).values_list("pk", flat=True))


def test_resident_list_costs_the_same_queries_for_any_page_size(
    county: County, odd_residents: None, django_assert_max_num_queries: Any
) -> None:
    """Token, role assignments, count, the page's ids, its columns, its tags: no query per resident."""
    user = make_user(Role.DISTRICT_ADMIN, county.district)
    client = client_for(user, "zh-hans")
    client.get(URL)  # loads the code tables, kept per process
    for size in (1, 500):
        with django_assert_max_num_queries(6):
            assert client.get(URL, {"page_size": size}).status_code == 200


def test_resident_list_filters_still_refuse_bad_values(county: County) -> None:
    client = client_for(make_user(Role.DISTRICT_ADMIN, county.district), "zh-hans")
    assert client.get(URL, {"grid": "12"}).status_code == 400
    assert client.get(URL, {"page": "0"}).status_code == 400
    assert [r["name"] for r in client.get(URL, {"grid": county.grid_a1_1.code}).json()["results"]] == ["张伟"]
