"""The dashboard page: snapshot for wide scopes with its as-of time, live for one community and
before the first refresh, constant queries whatever the number of communities, refresh now."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shequ.accounts import services as accounts
from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.core.actors import System
from shequ.insight import services, tasks
from shequ.insight.models import CommunityFigures
from shequ.registry import services as registry
from shequ.testing import County, add_resident, make_user, square

pytestmark = pytest.mark.django_db


def html(response: Any) -> str:
    assert response.status_code == 200
    return response.content.decode()


def page_of(client: Any, user: Any) -> str:
    client.force_login(user)
    return html(client.get(reverse("registry:dashboard")))


@pytest.fixture
def district_admin(county: County) -> Any:
    return make_user(Role.DISTRICT_ADMIN, county.district)


def test_before_the_first_refresh_the_district_is_counted_live(client: Any, district_admin: Any) -> None:
    page = page_of(client, district_admin)
    assert 'data-stat="residents">4<' in page
    assert 'data-as-of="live"' in page and "实时统计" in page
    assert "立即刷新" not in page  # nothing to refresh from yet: the page already counts live


def test_after_a_refresh_the_district_reads_the_snapshot_and_says_as_of_when(
    client: Any, county: County, district_admin: Any
) -> None:
    services.refresh_figures(by=System("test"))
    as_of = timezone.localtime(CommunityFigures.objects.get(community=county.community_a1).refreshed_at)
    add_resident(county.buildings["a11"].dwellings.get(), "赵敏")  # after the refresh
    page = page_of(client, district_admin)
    assert f"数据截至 {as_of:%H:%M}" in page
    assert 'data-stat="residents">4<' in page  # the snapshot, not yet the fifth resident
    assert 'data-stat="households">4<' in page and 'data-stat="buildings">4<' in page
    assert 'data-tag="dibao">4<' in page
    services.refresh_figures(by=System("test"))
    assert 'data-stat="residents">5<' in page_of(client, district_admin)


def test_a_snapshot_from_an_earlier_day_shows_its_date(client: Any, district_admin: Any) -> None:
    services.refresh_figures(now=timezone.now() - dt.timedelta(days=2), by=System("test"))
    earlier = timezone.localtime(timezone.now() - dt.timedelta(days=2))
    assert f"数据截至 {earlier:%Y-%m-%d %H:%M}" in page_of(client, district_admin)


def test_a_community_worker_sees_their_community_live(client: Any, county: County) -> None:
    services.refresh_figures(by=System("test"))
    worker = make_user(Role.COMMUNITY_WORKER, county.community_a1)
    add_resident(county.buildings["a11"].dwellings.get(), "赵敏")
    page = page_of(client, worker)
    assert 'data-stat="residents">3<' in page and 'data-as-of="live"' in page


def test_a_street_admin_sees_only_their_streets_communities_summed(client: Any, county: County) -> None:
    services.refresh_figures(by=System("test"))
    page = page_of(client, make_user(Role.STREET_ADMIN, county.street_a))
    assert "数据截至" in page
    assert 'data-stat="residents">3<' in page  # a11, a12, a21; not b11 in street b
    assert 'data-stat="buildings">3<' in page and 'data-stat="grids">3<' in page


def test_a_grid_worker_is_counted_live_within_their_grid(client: Any, county: County) -> None:
    services.refresh_figures(by=System("test"))
    page = page_of(client, make_user(Role.GRID_WORKER, county.grid_a1_1))
    assert 'data-stat="residents">1<' in page and 'data-as-of="live"' in page


def test_a_street_with_a_grid_elsewhere_is_counted_live_and_restricted_tags_follow_their_role(
    client: Any, county: County
) -> None:
    services.refresh_figures(by=System("test"))
    # Street admin in street a, building leader (no key populations) of a grid in street b: a grid
    # cannot be cut out of a community's snapshot row, so this scope is counted live.
    user = make_user(Role.STREET_ADMIN, county.street_a)
    accounts.assign_role(user, role=Role.BUILDING_LEADER, node=county.grid_b1_1, by=System("test"))
    page = page_of(client, user)
    assert 'data-as-of="live"' in page and 'data-stat="residents">4<' in page
    assert 'data-tag="dibao">3<' in page and 'data-tag="elderly_alone">4<' in page


def _add_communities(county: County, n: int) -> None:
    for i in range(n):
        community = registry.create_area(
            code=f"330723002{i + 2:03d}",
            name=f"新社区{i}",
            level="community",
            parent=county.street_b,
            boundary=square(119.9 + i * 0.02, 28.95, 0.02),
            by=System("test"),
        )
        grid = registry.create_grid(
            community=community,
            sequence=1,
            name=f"新网格{i}",
            boundary=square(119.9 + i * 0.02, 28.95, 0.01),
            by=System("test"),
        )
        building = registry.create_building(
            community=community,
            grid=grid,
            name="1幢",
            estate="新小区",
            address=f"新小区{i}",
            floors=3,
            units=1,
            by=System("test"),
        )
        dwelling, _ = registry.get_or_create_dwelling(building=building, unit="1", room="101")
        add_resident(dwelling, f"新居民{i}")


def test_the_dashboard_costs_the_same_queries_whatever_the_number_of_communities(
    client: Any, county: County, district_admin: Any, django_assert_max_num_queries: Any
) -> None:
    services.refresh_figures(by=System("test"))
    client.force_login(district_admin)
    url = reverse("registry:dashboard")
    client.get(url)  # the session and the navigation's caches
    with CaptureQueriesContext(connection) as three:
        html(client.get(url))
    _add_communities(county, 6)
    services.refresh_figures(by=System("test"))
    with django_assert_max_num_queries(len(three)):
        page = html(client.get(url))
    assert 'data-stat="residents">10<' in page


def test_a_district_admin_can_refresh_now_and_it_is_audited(client: Any, district_admin: Any) -> None:
    services.refresh_figures(now=timezone.now() - dt.timedelta(hours=1), by=System("test"))
    client.force_login(district_admin)
    assert "立即刷新" in html(client.get(reverse("registry:dashboard")))
    response = client.post(reverse("insight:refresh"), follow=True)
    assert "已刷新" in html(response)
    assert AuditEvent.objects.filter(action="figures:refresh", actor=district_admin).count() == 1
    assert CommunityFigures.objects.latest("refreshed_at").refreshed_at > timezone.now() - dt.timedelta(
        minutes=1
    )
    assert client.get(reverse("insight:refresh")).status_code == 405


def test_a_community_worker_cannot_refresh(client: Any, county: County) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    response = client.post(reverse("insight:refresh"), follow=True)
    assert "无权" in html(response)
    assert not CommunityFigures.objects.exists()
    assert not AuditEvent.objects.filter(action="figures:refresh").exists()


# --- the job ------------------------------------------------------------------------------------


def test_the_command_refreshes_every_community(county: County) -> None:
    out = io.StringIO()
    call_command("refresh_figures", stdout=out)
    assert "3 communities" in out.getvalue()
    assert set(CommunityFigures.objects.values_list("community_id", "residents")) == {
        (county.community_a1.pk, 2),
        (county.community_a2.pk, 1),
        (county.community_b1.pk, 1),
    }
    assert not AuditEvent.objects.filter(action="figures:refresh").exists()  # the job is not audited


def test_the_command_refuses_a_period_below_one_second(db: Any) -> None:
    with pytest.raises(CommandError):
        call_command("refresh_figures", every=0)


def test_the_task_refreshes_the_figures(county: County) -> None:
    result = tasks.refresh_figures_task.enqueue()
    assert result.return_value["communities"] == 3
    assert CommunityFigures.objects.count() == 3
