"""The registry pages through Django's test client: scope, masking, reveal, history, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.core import basemap
from shequ.core.actors import System
from shequ.places.models import Road
from shequ.registry import pii, services
from shequ.registry.models import Building, Household, LifeEvent, Resident, ResidentStatus, TagType
from shequ.testing import County, add_resident, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def worker(county: County) -> Any:
    return make_user(Role.COMMUNITY_WORKER, county.community_a1, username="worker_a1")


@pytest.fixture
def worker_client(client: Any, worker: Any) -> Any:
    client.force_login(worker)
    return client


def html(response: Any) -> str:
    return response.content.decode()


# --- access -------------------------------------------------------------------------------------

PAGES = [
    "registry:dashboard",
    "registry:residents",
    "registry:households",
    "registry:buildings",
    "registry:grids",
    "registry:organizations",
    "registry:map",
    "registry:map_data",
    "registry:map_base",
]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_answers_an_in_scope_worker(worker_client: Any, name: str) -> None:
    assert worker_client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client: Any, county: County, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["registry:residents", "registry:households", "registry:residents_export"])
def test_a_volunteer_cannot_open_resident_pages(client: Any, county: County, name: str) -> None:
    client.force_login(make_user(Role.VOLUNTEER, county.grid_a1_1))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    "name", ["registry:buildings", "registry:organizations", "registry:grids", "registry:map"]
)
def test_a_volunteer_cannot_list_the_registry_places(client: Any, county: County, name: str) -> None:
    """Volunteers report through the portal; the registry's lists (organisations with their
    contact persons among them) are not theirs."""
    client.force_login(make_user(Role.VOLUNTEER, county.grid_a1_1))
    assert client.get(reverse(name)).status_code == 403


def test_detail_pages_outside_the_scope_are_404(worker_client: Any, county: County) -> None:
    outside = county.residents["b11"]
    assert worker_client.get(reverse("registry:resident_detail", args=[outside.pk])).status_code == 404
    assert (
        worker_client.get(reverse("registry:household_detail", args=[outside.household_id])).status_code
        == 404
    )
    assert (
        worker_client.get(reverse("registry:building_detail", args=[county.buildings["b11"].pk])).status_code
        == 404
    )
    assert (
        worker_client.post(
            reverse("registry:resident_reveal", args=[outside.pk]),
            {"purpose": "verify_identity", "note": "上门核实"},
        ).status_code
        == 404
    )
    assert worker_client.get(reverse("registry:resident_detail", args=["99999"])).status_code == 404


def test_detail_pages_inside_the_scope_answer(worker_client: Any, county: County) -> None:
    r = county.residents["a11"]
    assert worker_client.get(reverse("registry:resident_detail", args=[r.pk])).status_code == 200
    assert worker_client.get(reverse("registry:household_detail", args=[r.household_id])).status_code == 200
    assert worker_client.get(reverse("registry:resident_edit", args=[r.pk])).status_code == 200


def test_lists_show_only_the_scope(worker_client: Any, county: County) -> None:
    page = html(worker_client.get(reverse("registry:residents")))
    assert "张伟" in page and "李娜" in page
    assert "王芳" not in page and "刘洋" not in page
    households = html(worker_client.get(reverse("registry:households")))
    assert "Ha11" in households and "Hb11" not in households


# --- masking and reveal -------------------------------------------------------------------------


def test_lists_and_detail_show_masked_numbers_only(worker_client: Any, county: County) -> None:
    r = county.residents["a11"]
    plain_id, plain_phone = pii.plaintext_id_number(r), pii.plaintext_phone(r)
    for url in (
        reverse("registry:residents"),
        reverse("registry:resident_detail", args=[r.pk]),
        reverse("registry:household_detail", args=[r.household_id]),
        reverse("registry:dwelling_residents", args=[r.dwelling.building_id, r.dwelling_id]),
    ):
        page = html(worker_client.get(url))
        assert plain_id not in page, url
        assert plain_phone not in page, url
    detail = html(worker_client.get(reverse("registry:resident_detail", args=[r.pk])))
    assert r.id_number_masked in detail
    assert r.phone_masked in detail


def test_reveal_needs_a_reason_and_is_audited(worker_client: Any, worker: Any, county: County) -> None:
    r = county.residents["a11"]
    url = reverse("registry:resident_reveal", args=[r.pk])
    refused = worker_client.post(url, {"purpose": "verify_identity", "note": "."}, **HTMX)
    assert refused.status_code == 200
    assert pii.plaintext_id_number(r) not in html(refused)
    assert "errorlist" in html(refused)
    assert not AuditEvent.objects.filter(action="resident:reveal").exists()

    shown = worker_client.post(url, {"purpose": "handle_service", "note": "办理高龄补贴核对身份"}, **HTMX)
    assert pii.plaintext_id_number(r) in html(shown)
    assert "13800000001" in html(shown)
    assert 'x-data="revealed"' in html(shown)
    event = AuditEvent.objects.get(action="resident:reveal")
    assert (
        event.actor == worker
        and event.reason == "办理业务：办理高龄补贴核对身份"
        and event.target_id == str(r.pk)
    )


def test_reveal_without_htmx_renders_the_detail_page(worker_client: Any, county: County) -> None:
    r = county.residents["a11"]
    response = worker_client.post(
        reverse("registry:resident_reveal", args=[r.pk]),
        {"purpose": "verify_identity", "note": "核对身份信息"},
    )
    assert response.status_code == 200 and pii.plaintext_id_number(r) in html(response)


def _no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_pages_with_personal_data_are_never_stored_by_a_cache(worker_client: Any, county: County) -> None:
    """A revealed ID number must not stay in a shared computer's browser cache (docs/security.md)."""
    r = county.residents["a11"]
    household = r.household
    reveal = reverse("registry:resident_reveal", args=[r.pk])
    fragment = worker_client.post(
        reveal, {"purpose": "handle_service", "note": "办理高龄补贴核对身份"}, **HTMX
    )
    assert pii.plaintext_id_number(r) in html(fragment) and _no_store(fragment)
    page = worker_client.post(reveal, {"purpose": "handle_service", "note": "办理高龄补贴核对身份"})
    assert pii.plaintext_id_number(r) in html(page) and _no_store(page)
    for url in (
        reverse("registry:residents"),
        reverse("registry:resident_detail", args=[r.pk]),
        reverse("registry:households"),
        reverse("registry:household_detail", args=[household.pk]),
    ):
        response = worker_client.get(url)
        assert response.status_code == 200 and _no_store(response), url


def test_a_building_leader_cannot_reveal(client: Any, county: County) -> None:
    leader = make_user(Role.BUILDING_LEADER, county.grid_a1_1)
    client.force_login(leader)
    r = county.residents["a11"]
    assert client.get(reverse("registry:resident_detail", args=[r.pk])).status_code == 200
    assert "resident_reveal" not in html(client.get(reverse("registry:resident_detail", args=[r.pk])))
    assert (
        client.post(
            reverse("registry:resident_reveal", args=[r.pk]),
            {"purpose": "verify_identity", "note": "核对身份信息"},
        ).status_code
        == 403
    )
    assert not AuditEvent.objects.filter(action="resident:reveal").exists()


# --- history, edits, tags, life events ----------------------------------------------------------


def test_history_tab_shows_a_change_with_its_reason(worker_client: Any, worker: Any, county: County) -> None:
    r = county.residents["a11"]
    services.update_resident(r, by=worker, fields={"workplace": "武义县人民医院"}, reason="入户走访核实")
    page = html(worker_client.get(reverse("registry:resident_detail", args=[r.pk]) + "?tab=history"))
    assert "入户走访核实" in page
    assert "<ins>武义县人民医院</ins>" in page
    assert "worker_a1" in page


def test_edit_form_requires_a_reason_and_saves_through_the_service(
    worker_client: Any, county: County
) -> None:
    r = county.residents["a11"]
    url = reverse("registry:resident_edit", args=[r.pk])
    data = {
        "name": "张伟",
        "gender": r.gender,
        "birth_date": r.birth_date.isoformat(),
        "residence_type": "registered",
        "education": "",
        "workplace": "县医院",
        "relation_to_head": r.relation_to_head,
    }
    missing = worker_client.post(url, data)
    assert missing.status_code == 200 and "errorlist" in html(missing)
    r.refresh_from_db()
    assert r.workplace == ""
    saved = worker_client.post(url, {**data, "reason": "本人来电更正"})
    assert saved.status_code == 302
    r.refresh_from_db()
    assert r.workplace == "县医院"
    assert r.history.first().history_change_reason == "本人来电更正"


def test_edit_form_shows_rule_errors_instead_of_failing(worker_client: Any, county: County) -> None:
    r = county.residents["a11"]
    response = worker_client.post(
        reverse("registry:resident_edit", args=[r.pk]),
        {
            "name": "张伟",
            "residence_type": "registered",
            "new_phone": "12345",
            "reason": "更正",
            "birth_date": r.birth_date.isoformat(),
            "gender": r.gender,
            "relation_to_head": r.relation_to_head,
        },
    )
    assert response.status_code == 200
    assert "errorlist" in html(response)


def test_tags_can_be_added_and_removed(worker_client: Any, county: County) -> None:
    r = county.residents["a11"]
    tag = TagType.objects.filter(restricted=False).exclude(code__in=["elderly_alone", "dibao"]).first()
    url = reverse("registry:resident_tags", args=[r.pk])
    assert worker_client.post(url, {"tag": tag.code}).status_code == 302
    assert r.tag_links.filter(tag=tag).exists()
    worker_client.post(url, {"remove": tag.code})
    assert not r.tag_links.filter(tag=tag).exists()
    worker_client.post(url, {"tag": "no-such-tag"})  # a message, not a 500


def test_life_event_moves_a_resident_out(worker_client: Any, county: County) -> None:
    r = county.residents["a11"]
    url = reverse("registry:resident_event", args=[r.pk])
    future = worker_client.post(url, {"kind": "move_out", "date": "2999-01-01"})
    assert future.status_code == 400 and "errorlist" in html(future)
    response = worker_client.post(
        url, {"kind": "move_out", "date": timezone.localdate().isoformat(), "note": "迁往杭州"}
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == ResidentStatus.MOVED_OUT
    assert LifeEvent.objects.filter(resident=r, kind="move_out").exists()
    assert "迁往杭州" in html(
        worker_client.get(reverse("registry:resident_detail", args=[r.pk]) + "?tab=events")
    )


# --- search and filters -------------------------------------------------------------------------


def test_search_by_pinyin_initials_returns_a_partial(worker_client: Any, county: County) -> None:
    response = worker_client.get(reverse("registry:residents"), {"q": "zw"}, **HTMX)
    page = html(response)
    assert "张伟" in page and "李娜" not in page
    assert "<html" not in page


def test_filters_combine_and_bad_values_are_ignored(worker_client: Any, county: County) -> None:
    url = reverse("registry:residents")
    page = html(worker_client.get(url, {"grid": county.grid_a1_2.pk}))
    assert "李娜" in page and "张伟" not in page
    page = html(worker_client.get(url, {"grid": "abc", "age": "nonsense", "per_page": "7", "page": "99"}))
    assert "张伟" in page
    page = html(worker_client.get(url, {"tag": "dibao", "age": "35-59"}))
    assert "张伟" in page


# --- query counts -------------------------------------------------------------------------------


def _add_people(county: County, n: int) -> None:
    dwelling = county.residents["a11"].dwelling
    for i in range(n):
        hh = Household.objects.create(
            community=county.community_a1, number=f"X{i}", dwelling=dwelling, area_path=dwelling.area_path
        )
        add_resident(
            dwelling,
            f"测试{i}",
            household=hh,
            birth=dt.date(1950 + i % 50, 1, 1),
            sequence=200 + i,
            phone=f"1390000{i:04d}",
        )


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, {"per_page": 100}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "name", ["registry:residents", "registry:households", "registry:buildings", "registry:grids"]
)
def test_list_query_count_does_not_grow_with_the_page(
    worker_client: Any, county: County, name: str, django_assert_max_num_queries: Any
) -> None:
    url = reverse(name)
    _add_people(county, 3)
    # Once first: per-process caches (code tables, the calendar, the figures' snapshot date) fill on
    # the first page a worker process serves, whichever test that is; they are not per row.
    _count(worker_client, url)
    small = _count(worker_client, url)
    _add_people_more = 57
    dwelling = county.residents["a12"].dwelling
    for i in range(_add_people_more):
        hh = Household.objects.create(
            community=county.community_a1, number=f"Y{i}", dwelling=dwelling, area_path=dwelling.area_path
        )
        # A birth date of their own: the fixture's residents draw sequence numbers from a counter
        # that wraps at 1,000 with the default date, so 400 + i could be one of theirs.
        add_resident(dwelling, f"大量{i}", household=hh, birth=dt.date(1931, 2, 3), sequence=400 + i)
        services.get_or_create_dwelling(building=dwelling.building, unit="2", room=f"{i + 1:02d}01")
    assert Resident.objects.filter(community=county.community_a1).count() >= 60
    large = _count(worker_client, url)
    assert large == small
    with django_assert_max_num_queries(14):
        worker_client.get(url, {"per_page": 100})


def test_building_chart_query_count_is_constant(worker_client: Any, county: County) -> None:
    b = county.buildings["a11"]
    url = reverse("registry:building_detail", args=[b.pk])
    small = _count(worker_client, url)
    for i in range(20):
        services.get_or_create_dwelling(building=b, unit="2", room=f"{i % 6 + 1}0{i // 6 + 1}")
    assert _count(worker_client, url) == small


# --- 楼盘表, grids, map --------------------------------------------------------------------------


def test_building_chart_shows_dwellings_by_floor_and_unit(worker_client: Any, county: County) -> None:
    b = county.buildings["a11"]
    services.get_or_create_dwelling(building=b, unit="1", room="302", use="rented")
    services.get_or_create_dwelling(building=b, unit="2", room="601", use="vacant")
    page = html(worker_client.get(reverse("registry:building_detail", args=[b.pk])))
    assert 'id="floor-chart"' in page
    assert page.index(">601<") < page.index(">301<")  # top floor first
    assert "room use-rented" in page and "room use-vacant" in page
    r = county.residents["a11"]
    panel = html(
        worker_client.get(reverse("registry:dwelling_residents", args=[b.pk, r.dwelling_id]), **HTMX)
    )
    assert "张伟" in panel and "Ha11" in panel
    other = county.residents["b11"].dwelling_id
    assert worker_client.get(reverse("registry:dwelling_residents", args=[b.pk, other])).status_code == 404


def test_grid_list_counts_people(worker_client: Any, county: County) -> None:
    page = html(worker_client.get(reverse("registry:grids")))
    assert "熟溪第一网格" in page and "熟溪一网格1号微网格" in page
    assert "溪南第一网格" not in page


def test_map_data_is_geojson_of_the_scope(worker_client: Any, county: County) -> None:
    data = worker_client.get(reverse("registry:map_data")).json()
    grid_names = {f["properties"]["name"] for f in data["grids"]["features"]}
    assert grid_names == {"熟溪第一网格", "熟溪第二网格"}
    assert {f["properties"]["name"] for f in data["micro_grids"]["features"]} == {"熟溪一网格1号微网格"}
    assert "熟溪社区" in {f["properties"]["name"] for f in data["communities"]["features"]}
    assert "溪南社区" not in {f["properties"]["name"] for f in data["communities"]["features"]}
    assert all(f["properties"]["url"] for f in data["grids"]["features"])


def test_map_page_carries_the_configured_base_map(worker_client: Any, settings: Any) -> None:
    page = html(worker_client.get(reverse("registry:map")))
    assert "&quot;preset&quot;: &quot;none&quot;" in page
    assert reverse("registry:map_base") in page
    settings.SHEQU_BASE_MAP = basemap.resolve("gaode")
    page = html(worker_client.get(reverse("registry:map")))
    assert "autonavi.com" in page and "&quot;datum&quot;: &quot;gcj02&quot;" in page


def _place_buildings(county: County) -> None:
    for key, (lat, lng) in {"a11": (28.9025, 119.8025), "a12": (28.9035, 119.8155), "a21": (28.9030, 119.8230),
                            "b11": (28.9230, 119.8030)}.items():  # fmt: skip
        Building.objects.filter(pk=county.buildings[key].pk).update(latitude=lat, longitude=lng)
    for community, name, x in [
        (county.community_a1, "熟溪路", 119.81),
        (county.community_a2, "解放街", 119.83),
    ]:
        line = {"type": "LineString", "coordinates": [[x, 28.90], [x, 28.92]]}
        Road.objects.create(community=community, area_path=community.path, name=name, line=line)


def test_map_base_is_the_scope_s_buildings_and_area_names_without_residents(
    worker_client: Any, county: County
) -> None:
    _place_buildings(county)
    response = worker_client.get(reverse("registry:map_base"))
    assert response["Cache-Control"] == "private, max-age=300"
    data = response.json()
    buildings = data["buildings"]["features"]
    assert sorted(f["properties"]["estate"] for f in buildings) == [
        "溪北小区",
        "溪南小区",
    ]  # community A1 only
    a11 = next(f for f in buildings if f["properties"]["estate"] == "溪南小区")
    assert a11["geometry"] == {"type": "Point", "coordinates": [119.8025, 28.9025]}
    assert a11["properties"] == {
        "name": "1幢",
        "estate": "溪南小区",
        "url": reverse("registry:building_detail", args=[county.buildings["a11"].pk]),
    }
    assert "张伟" not in response.content.decode()
    assert data["roads"]["features"] == [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[119.81, 28.9], [119.81, 28.92]]},
            "properties": {"name": "熟溪路"},
        }
    ]  # not 解放社区's street
    names = {(f["properties"]["kind"], f["properties"]["name"]) for f in data["areas"]["features"]}
    assert ("community", "熟溪社区") in names and ("grid", "熟溪第一网格") in names
    assert ("community", "溪南社区") not in names
    # A name is written inside its area.
    grid = next(f for f in data["areas"]["features"] if f["properties"]["name"] == "熟溪第一网格")
    lng, lat = grid["geometry"]["coordinates"]
    assert 119.80 <= lng <= 119.81 and 28.90 <= lat <= 28.91


def test_map_base_takes_the_same_queries_for_two_buildings_or_twenty(
    worker_client: Any, county: County
) -> None:
    _place_buildings(county)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert worker_client.get(reverse("registry:map_base")).status_code == 200
        return len(queries)

    before = count()
    for n in range(18):
        services.create_building(
            community=county.community_a1,
            grid=county.grid_a1_1,
            name=f"{n + 2}幢",
            estate="溪南小区",
            address=f"武义县溪南小区{n + 2}幢",
            floors=6,
            units=2,
            latitude=Decimal("28.9011") + n * Decimal("0.0004"),
            longitude=Decimal("119.8011"),
            by=System("test"),
        )
    assert count() == before
    assert len(worker_client.get(reverse("registry:map_base")).json()["buildings"]["features"]) == 20


def test_dashboard_counts_the_scope(worker_client: Any, county: County) -> None:
    page = html(worker_client.get(reverse("registry:dashboard")))
    assert 'data-stat="residents">2<' in page
    assert 'data-stat="buildings">2<' in page
    assert "pyramid-data" in page


# --- exports ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["registry:residents_export", "registry:households_export", "registry:buildings_export"]
)
def test_export_buttons_download_the_filtered_list(worker_client: Any, county: County, name: str) -> None:
    pytest.importorskip("shequ.registry.exports")
    response = worker_client.get(reverse(name), {"q": "zw"})
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]


# --- audit log ----------------------------------------------------------------------------------


def test_audit_page_is_for_admins_in_scope(client: Any, worker: Any, county: County) -> None:
    services.reveal_pii(county.residents["a11"], by=worker, purpose="verify_identity", note="核对低保")
    services.reveal_pii(
        county.residents["b11"], by=System("test"), purpose="verify_identity", note="县里核对"
    )
    head = make_user(Role.COMMUNITY_HEAD, county.community_a1)
    client.force_login(head)
    page = html(client.get(reverse("audit:events")))
    assert "核对低保" in page and "县里核对" not in page
    assert "核对低保" in html(
        client.get(reverse("audit:events"), {"action": "resident:reveal", "actor": "worker"})
    )
    assert "核对低保" not in html(client.get(reverse("audit:events"), {"action": "user:lock"}))
    assert client.get(reverse("audit:events"), {"date_from": "not-a-date"}).status_code == 200
    client.force_login(worker)
    assert client.get(reverse("audit:events")).status_code == 403
