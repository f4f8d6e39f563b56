"""A building leader (楼栋长) assigned at a micro-grid sees that micro-grid, not the whole grid."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from shequ.accounts import services as accounts
from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.registry import selectors
from shequ.registry import services as registry
from shequ.registry.models import Building, Resident
from shequ.testing import County, add_resident, make_user, square

API = "/api/v1"


@pytest.fixture
def neighbours(county: County) -> dict[str, Building]:
    """Grid a1-1 holds micro-grid 1 (building a11, 张伟), micro-grid 2 (陈静) and a building in no
    micro-grid (赵强)."""
    grid = county.grid_a1_1
    second = registry.create_micro_grid(
        grid=grid,
        sequence=2,
        name="熟溪一网格2号微网格",
        boundary=square(119.805, 28.905, 0.004),
        by=System("test"),
    )
    out = {"own": county.buildings["a11"]}
    for key, micro, estate, name in [
        ("second", second, "溪东小区", "陈静"),
        ("loose", None, "溪西小区", "赵强"),
    ]:
        building = registry.create_building(
            community=county.community_a1,
            grid=grid,
            micro_grid=micro,
            by=System("test"),
            name="2幢",
            estate=estate,
            address=f"武义县{estate}2幢",
        )
        dwelling, _ = registry.get_or_create_dwelling(building=building, unit="1", room="101")
        add_resident(dwelling, name)
        out[key] = building
    return out


def leader_at(node: object) -> User:
    return make_user(Role.BUILDING_LEADER, node)


def test_a_building_leader_at_a_micro_grid_is_scoped_to_its_path(county: County) -> None:
    leader = leader_at(county.micro_a1_1_1)
    assignment = leader.assignments.get()
    assert assignment.micro_grid == county.micro_a1_1_1
    assert (assignment.area, assignment.grid) == (None, None)
    assert assignment.scope_path == county.micro_a1_1_1.path
    assert assignment.scope_name == county.micro_a1_1_1.name


def test_the_leader_sees_only_their_micro_grids_buildings_and_residents(
    county: County, neighbours: dict[str, Building]
) -> None:
    leader = leader_at(county.micro_a1_1_1)
    assert list(selectors.buildings_visible_to(leader)) == [neighbours["own"]]
    assert [r.name for r in selectors.residents_visible_to(leader)] == ["张伟"]
    assert list(selectors.micro_grids_visible_to(leader)) == [county.micro_a1_1_1]
    # The grid and community still resolve by name (breadcrumbs), but give no rows beyond the micro-grid.
    assert county.grid_a1_1 in selectors.grids_visible_to(leader)
    # The same role at the grid, as before, sees all three buildings.
    grid_leader = leader_at(county.grid_a1_1)
    assert set(selectors.buildings_visible_to(grid_leader)) == set(neighbours.values())
    assert {r.name for r in selectors.residents_visible_to(grid_leader)} == {"张伟", "陈静", "赵强"}


def test_the_api_lists_only_the_leaders_micro_grid(county: County, neighbours: dict[str, Building]) -> None:
    leader = leader_at(county.micro_a1_1_1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=leader)[1]}")
    residents = client.get(f"{API}/residents/").json()["results"]
    assert [r["name"] for r in residents] == ["张伟"]
    buildings = client.get(f"{API}/buildings/").json()["results"]
    assert [b["code"] for b in buildings] == [neighbours["own"].code]
    outside = Resident.objects.get(name="陈静")
    assert client.get(f"{API}/residents/{outside.pk}/").status_code == 404
    assert client.get(f"{API}/buildings/{neighbours['loose'].pk}/").status_code == 404


def test_only_a_building_leader_is_assigned_at_a_micro_grid(county: County) -> None:
    user = make_user(Role.BUILDING_LEADER, county.grid_a1_1)
    with pytest.raises(RuleError) as refused:
        accounts.assign_role(user, role=Role.GRID_WORKER, node=county.micro_a1_1_1, by=System("test"))
    assert refused.value.code == "grid_required"
    with pytest.raises(RuleError) as refused:
        accounts.assign_role(user, role=Role.BUILDING_LEADER, node=county.community_a1, by=System("test"))
    assert refused.value.code == "grid_required"
