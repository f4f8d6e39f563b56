"""A building leader held at a micro-grid reports cases at their own buildings, and only there."""

from __future__ import annotations

import pytest

from shequ.accounts.roles import Role
from shequ.cases import services
from shequ.cases.models import CaseCategory, Source
from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.registry import services as registry
from shequ.testing import County, make_user


def test_a_case_at_a_building_carries_its_micro_grid_path_so_its_leader_may_report_it(county: County) -> None:
    leader = make_user(Role.BUILDING_LEADER, county.micro_a1_1_1)
    category = CaseCategory.objects.filter(parent__isnull=False).first()
    assert category is not None
    own = county.buildings["a11"]  # in micro-grid a1-1-1
    case = services.report_case(
        by=leader, category=category, description="楼道灯坏了", source=Source.GRID, building=own
    )
    assert (case.grid, case.area_path) == (county.grid_a1_1, county.micro_a1_1_1.path)

    # The same grid, outside the leader's micro-grid: not theirs to report.
    elsewhere = registry.create_building(
        community=county.community_a1,
        grid=county.grid_a1_1,
        name="3幢",
        address="武义县溪南小区3幢",
        by=System("test"),
    )
    with pytest.raises(RuleError) as refused:
        services.report_case(
            by=leader, category=category, description="楼道灯坏了", source=Source.GRID, building=elsewhere
        )
    assert refused.value.code == "forbidden"
