"""The place picker of the list filters: the search answers only places in scope, at most 20, and
the lists still filter by the same GET parameter."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.accounts.roles import Role
from shequ.core.actors import System
from shequ.places.models import Grid
from shequ.registry import services as registry
from shequ.testing import County, make_user

SEARCH = reverse("registry:place_search")


def picked(client: Client, kind: str, q: str = "") -> list[str]:
    response = client.get(SEARCH, {"kind": kind, "q": q})
    assert response.status_code == 200
    return re.findall(r'data-label="([^"]+)"', response.content.decode())


@pytest.fixture
def head_client(client: Client, county: County) -> Client:
    client.force_login(make_user(Role.COMMUNITY_HEAD, county.community_a1))
    return client


def test_the_search_offers_only_places_in_scope(client: Client, county: County) -> None:
    client.force_login(make_user(Role.STREET_ADMIN, county.street_a))
    assert picked(client, "community") == ["熟溪社区", "解放社区"]
    assert picked(client, "grid") == ["熟溪第一网格", "熟溪第二网格", "解放第一网格"]
    assert picked(client, "grid", "溪南") == []  # 溪南第一网格 is in the other street
    assert picked(client, "micro_grid") == ["熟溪一网格1号微网格"]


def test_a_grid_worker_is_offered_their_grid_and_its_community_only(client: Client, county: County) -> None:
    client.force_login(make_user(Role.GRID_WORKER, county.grid_a1_2))
    assert picked(client, "grid") == ["熟溪第二网格"]
    assert picked(client, "community") == ["熟溪社区"]
    assert picked(client, "micro_grid") == []


def test_the_search_matches_name_or_code_and_answers_at_most_twenty(
    head_client: Client, county: County
) -> None:
    for n in range(3, 30):
        registry.create_grid(
            community=county.community_a1, sequence=n, name=f"熟溪第{n}网格", by=System("test")
        )
    assert len(picked(head_client, "grid")) == 20
    assert picked(head_client, "grid", "第12") == ["熟溪第12网格"]
    assert picked(head_client, "grid", county.grid_a1_2.code) == ["熟溪第二网格"]
    assert picked(head_client, "grid", "解放") == []  # another community's grid


def test_the_search_refuses_an_unknown_kind_and_a_stranger(client: Client, county: County) -> None:
    assert client.get(SEARCH, {"kind": "grid"}).status_code == 302  # to the login page
    client.force_login(make_user(Role.RESIDENT, county.community_a1))
    assert client.get(SEARCH, {"kind": "building"}).status_code == 404
    assert picked(client, "grid", "解放") == []  # another community's grid


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("registry:residents", "grid"),
        ("registry:residents", "community"),
        ("registry:buildings", "grid"),
        ("registry:households", "community"),
        ("cases:list", "grid"),
    ],
)
def test_list_filters_render_a_picker_not_every_place(
    head_client: Client, county: County, url: str, param: str
) -> None:
    page = head_client.get(reverse(url)).content.decode()
    assert f'<input type="hidden" name="{param}" value=""' in page
    assert 'x-data="placePicker"' in page
    assert f'<select name="{param}"' not in page  # the places are no longer written into the page


def test_the_residents_list_still_filters_by_grid_id(head_client: Client, county: County) -> None:
    grid: Grid = county.grid_a1_2
    page = head_client.get(reverse("registry:residents"), {"grid": grid.pk}).content.decode()
    assert "李娜" in page and "张伟" not in page
    # The picker shows what is picked.
    assert f'<input type="hidden" name="grid" value="{grid.pk}"' in page and 'value="熟溪第二网格"' in page
    # A grid outside the scope is dropped as a filter, never shown.
    other = head_client.get(reverse("registry:residents"), {"grid": county.grid_b1_1.pk}).content.decode()
    assert "溪南第一网格" not in other and "张伟" in other


def test_the_case_list_filters_by_community_id(head_client: Client, county: County, settings: Any) -> None:
    response = head_client.get(reverse("cases:list"), {"community": county.community_a1.pk})
    assert response.status_code == 200
    assert 'value="熟溪社区"' in response.content.decode()
