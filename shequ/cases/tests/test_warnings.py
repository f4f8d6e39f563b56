"""Warnings from what the cases show: duplicates to merge and hot spots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shequ.cases import selectors, services
from shequ.cases.models import CaseCategory, CaseStatus, CaseWarning, Source
from shequ.cases.services.common import acting_at
from shequ.cases.testing import CaseWorld, advance, build_case_world, first_building, report
from shequ.core.actors import System


@pytest.fixture
def world(county) -> CaseWorld:
    world = build_case_world(county)
    building = first_building(world)
    building.latitude, building.longitude = Decimal("28.902000"), Decimal("119.802000")
    building.save()
    return world


def point_report(world: CaseWorld, lat: str, lon: str, **kw):
    return report(world, building=None, latitude=lat, longitude=lon, **kw)


def test_same_building_same_category_is_offered_as_duplicate(world):
    first = report(world)
    second = report(world, description="楼下垃圾又堆起来了")
    assert selectors.duplicate_candidates(second) == [first]


def test_a_point_within_50_metres_is_a_duplicate_and_one_further_is_not(world):
    first = report(world)  # at the building: 28.902, 119.802
    near = point_report(world, "28.902300", "119.802000")  # ~33 m north
    far = point_report(world, "28.903000", "119.802000")  # ~111 m north
    assert selectors.duplicate_candidates(near) == [first]
    assert first not in selectors.duplicate_candidates(far)


def test_other_categories_closed_cases_and_old_cases_are_not_duplicates(world):
    other = CaseCategory.objects.get(code="municipal.streetlight")
    closed = advance(world, report(world), CaseStatus.CLOSED)
    with acting_at(dt.datetime.now(dt.UTC) - dt.timedelta(days=8)):
        old = report(world, reported_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
    lamp = report(world, category=other, description="路灯不亮了，晚上很黑")
    new = report(world)
    found = selectors.duplicate_candidates(new)
    assert closed not in found and old not in found and lamp not in found


def test_merging_the_offered_duplicate(world):
    first = report(world)
    second = report(world, description="楼下垃圾又堆起来了", by=System("portal"), source=Source.PORTAL)
    [candidate] = selectors.duplicate_candidates(second)
    services.merge_case(second, into=candidate, by=world.worker)
    second.refresh_from_db()
    assert second.status == CaseStatus.MERGED and second.merged_into == first


def test_hot_spot_raised_at_the_nth_case_and_kept_up_to_date(world, settings):
    settings.SHEQU_CASE_HOTSPOT_COUNT = 3
    report(world)
    report(world)
    assert not CaseWarning.objects.exists()
    third = report(world)
    building_warning = CaseWarning.objects.get(building=third.building)
    grid_warning = CaseWarning.objects.get(grid=third.grid)
    assert building_warning.case_count == 3 and building_warning.last_case == third
    assert grid_warning.case_count == 3 and building_warning.area_path == third.area_path
    fourth = report(world)
    building_warning.refresh_from_db()
    assert building_warning.case_count == 4 and building_warning.last_case == fourth
    assert CaseWarning.objects.count() == 2  # one per place and category, not one per case


def test_hot_spot_counts_only_the_window_and_the_category(world, settings):
    settings.SHEQU_CASE_HOTSPOT_COUNT = 3
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    with acting_at(long_ago):
        report(world, reported_at=long_ago)
        report(world, reported_at=long_ago)
    report(world, category=CaseCategory.objects.get(code="municipal.streetlight"), description="路灯不亮了")
    report(world)
    assert not CaseWarning.objects.exists()


def test_hot_spots_are_scoped(world, settings):
    settings.SHEQU_CASE_HOTSPOT_COUNT = 2
    report(world)
    report(world)
    assert selectors.warnings_visible_to(world.worker).count() == 2
    assert selectors.warnings_visible_to(world.outsider).count() == 0
