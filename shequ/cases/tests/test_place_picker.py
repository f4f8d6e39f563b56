"""The case report form's "grid or community" and the user page's role node are the place picker
(a search box) rather than a <select> of every node, and post the same "<tag>:<pk>" values."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from shequ.accounts.roles import Role
from shequ.cases.models import Case
from shequ.cases.testing import CaseWorld, build_case_world, first_building
from shequ.testing import County, make_user


@pytest.fixture
def world(county: County) -> CaseWorld:
    return build_case_world(county)


def offered(client: Client, kind: str, q: str = "") -> list[str]:
    response = client.get(reverse("registry:place_search"), {"kind": kind, "q": q})
    assert response.status_code == 200
    return re.findall(r'data-id="([^"]+)"', response.content.decode())


def test_report_form_renders_no_option_per_grid_or_community(client: Client, world: CaseWorld) -> None:
    client.force_login(world.street_admin)  # street a: two communities, three grids
    page = client.get(reverse("cases:new")).content.decode()
    assert 'data-kind="case_place"' in page and "/registry/places/search/" in page
    assert 'value="grid:' not in page and 'value="community:' not in page
    for name in ("熟溪第一网格", "熟溪第二网格", "解放第一网格"):
        assert name not in page


def test_case_place_search_offers_communities_and_grids_in_scope_only(
    client: Client, world: CaseWorld
) -> None:
    county = world.county
    client.force_login(world.worker)  # community a1
    values = offered(client, "case_place")
    assert values == [
        f"community:{county.community_a1.pk}",
        f"grid:{county.grid_a1_1.pk}",
        f"grid:{county.grid_a1_2.pk}",
    ]
    assert offered(client, "case_place", "第二") == [f"grid:{county.grid_a1_2.pk}"]


def test_report_form_with_a_picked_grid_saves_it_and_redraws_its_name(
    client: Client, world: CaseWorld
) -> None:
    client.force_login(world.worker)
    data = {
        "category": world.category.pk,
        "description": "小区门口垃圾堆放影响通行",
        "urgency": "normal",
        "source": "hotline",
        "place_mode": "area",
        "area": f"grid:{world.county.grid_a1_2.pk}",
        "building": first_building(world).pk,
    }
    assert client.post(reverse("cases:new"), data).status_code == 302
    assert Case.objects.get().grid == world.county.grid_a1_2
    # Refused for another reason: the picked grid comes back by name, its value kept.
    page = client.post(reverse("cases:new"), {**data, "description": "短"}).content.decode()
    assert 'value="熟溪第二网格"' in page and f'value="grid:{world.county.grid_a1_2.pk}"' in page
    # A grid outside the user's places is refused as not in the list.
    out = client.post(reverse("cases:new"), {**data, "area": f"grid:{world.county.grid_b1_1.pk}"})
    assert out.status_code == 400 and Case.objects.count() == 1
    assert "请从列表中选择地点。" in out.content.decode()


def test_user_pages_render_no_option_per_node(client: Client, county: County) -> None:
    head = make_user(Role.COMMUNITY_HEAD, county.community_a1, username="head_a1")
    client.force_login(head)
    for url in (reverse("accounts:users"), reverse("accounts:user_detail", args=[head.pk])):
        page = client.get(url).content.decode()
        assert 'data-kind="role_node"' in page
        assert 'value="grid:' not in page and 'value="area:' not in page and 'value="microgrid:' not in page


def test_role_node_search_uses_the_user_management_scope(client: Client, county: County) -> None:
    client.force_login(make_user(Role.COMMUNITY_HEAD, county.community_a1))
    values = offered(client, "role_node")
    assert values == [
        f"area:{county.community_a1.pk}",
        f"grid:{county.grid_a1_1.pk}",
        f"microgrid:{county.micro_a1_1_1.pk}",
        f"grid:{county.grid_a1_2.pk}",
    ]
    # A grid worker manages no users: the same search offers nothing, though they see places.
    client.force_login(make_user(Role.GRID_WORKER, county.grid_a1_1))
    assert offered(client, "role_node") == []
    assert offered(client, "grid") == [str(county.grid_a1_1.pk)]


def test_an_unknown_picker_kind_is_a_404(client: Client, county: County) -> None:
    client.force_login(make_user(Role.COMMUNITY_HEAD, county.community_a1))
    assert client.get(reverse("registry:place_search"), {"kind": "building"}).status_code == 404


def test_assign_role_through_the_picker_value_saves_the_same_node(client: Client, county: County) -> None:
    head = make_user(Role.COMMUNITY_HEAD, county.community_a1, username="head_a1")
    target = make_user(Role.GRID_WORKER, county.grid_a1_1, username="gw")
    client.force_login(head)
    url = reverse("accounts:user_detail", args=[target.pk])
    response = client.post(url, {"role": Role.GRID_LEADER, "node": f"grid:{county.grid_a1_2.pk}"})
    assert response.status_code == 302
    assert target.assignments.filter(role=Role.GRID_LEADER, grid=county.grid_a1_2).exists()
    response = client.post(url, {"role": Role.GRID_LEADER, "node": f"grid:{county.grid_b1_1.pk}"})
    assert response.status_code == 200 and "请从列表中选择地点。" in response.content.decode()
    assert not target.assignments.filter(grid=county.grid_b1_1).exists()
