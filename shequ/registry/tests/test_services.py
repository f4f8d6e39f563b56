"""The registry's verbs and reads: residents, life events, tags, reveals, grids, buildings, search, scope."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import ProtectedError
from django.utils import timezone, translation

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.core.idnumber import make as make_id
from shequ.places.models import Area, Grid
from shequ.registry import selectors, services
from shequ.registry.models import (
    Building,
    Household,
    LifeEvent,
    LifeEventKind,
    Resident,
    ResidentStatus,
    ResidentTag,
    TagType,
)
from shequ.testing import County, add_resident, make_user, square

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Assertions below read the English msgids; pages show the Chinese translations."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def worker(county: County) -> Any:
    return make_user(Role.COMMUNITY_WORKER, county.community_a1)


def _register(county: County, by: Any, **fields: Any) -> Resident:
    dwelling = county.buildings["a11"].dwellings.first()
    data = {"name": "赵敏", "id_number": make_id("330723", dt.date(1990, 6, 15), 24), **fields}
    return services.register_resident(by=by, community=county.community_a1, dwelling=dwelling, fields=data)


# --- registering and changing residents ---------------------------------------------------------


def test_register_resident_derives_gender_and_birth_date_from_the_id(county: County, worker: Any) -> None:
    woman = _register(county, worker, id_number=make_id("330723", dt.date(1990, 6, 15), 24))
    assert woman.gender == "2"
    assert woman.birth_date == dt.date(1990, 6, 15)
    man = _register(county, worker, name="钱多多", id_number=make_id("330723", dt.date(1975, 1, 31), 13))
    assert man.gender == "1"
    assert man.birth_date == dt.date(1975, 1, 31)


def test_register_resident_stores_pinyin_search_keys(county: County, worker: Any) -> None:
    r = _register(county, worker, name="单田芳")
    assert (r.name_pinyin, r.name_initials) == ("shantianfang", "stf")


def test_register_resident_places_them_by_their_dwelling(county: County, worker: Any) -> None:
    r = _register(county, worker)
    assert r.grid == county.grid_a1_1
    assert r.micro_grid == county.micro_a1_1_1
    assert r.area_path == county.micro_a1_1_1.path


def test_duplicate_id_number_is_refused(county: County, worker: Any) -> None:
    number = make_id("330723", dt.date(1990, 6, 15), 24)
    _register(county, worker, id_number=number)
    with pytest.raises(RuleError) as info:
        _register(county, worker, name="另一个人", id_number=number.lower().replace(" ", ""))
    assert info.value.code == "id_number_unavailable"
    assert "id_number" in info.value.fields
    assert Resident.objects.filter(name="另一个人").count() == 0


def test_a_number_registered_elsewhere_says_only_that_it_cannot_be_used_here(
    county: County, worker: Any
) -> None:
    """Creating residents was a county-wide test of whether an ID number is registered."""
    number = make_id("330723", dt.date(1990, 6, 15), 24)
    holder = _register(county, worker, id_number=number)  # in community a1
    elsewhere = make_user(Role.COMMUNITY_WORKER, county.community_b1)
    dwelling = county.buildings["b11"].dwellings.first()
    fields = {"name": "冒用者", "id_number": number}
    with pytest.raises(RuleError) as info:
        services.register_resident(
            by=elsewhere, community=county.community_b1, dwelling=dwelling, fields=fields
        )
    message = str(info.value.message)
    assert info.value.code == "id_number_unavailable"
    assert message == "This ID number cannot be used here."
    assert "registered" not in message and holder.name not in message
    assert county.community_a1.name not in str(info.value.fields)
    # Audited against the resident whose number it is, in their area, though the write rolled back.
    event = AuditEvent.objects.get(action="resident:id_conflict")
    assert event.actor == elsewhere and event.target_id == str(holder.pk)
    assert event.area_path == holder.area_path
    assert not Resident.objects.filter(name="冒用者").exists()


def test_those_who_may_reveal_the_holder_are_told_where_the_number_is(county: County, worker: Any) -> None:
    number = make_id("330723", dt.date(1990, 6, 15), 24)
    holder = _register(county, worker, id_number=number)
    with pytest.raises(RuleError) as info:
        _register(county, worker, name="另一个人", id_number=number)
    message = str(info.value.message)
    assert info.value.code == "id_number_unavailable"
    assert holder.name in message and county.community_a1.name in message
    assert AuditEvent.objects.filter(action="resident:id_conflict", target_id=str(holder.pk)).count() == 1


def test_changing_an_id_number_to_someone_elses_is_refused(county: County, worker: Any) -> None:
    r = _register(county, worker)
    taken = services.reveal_pii(
        county.residents["a11"], by=System("test"), purpose="verify_identity", note="核对身份信息"
    )["id_number"]
    with pytest.raises(RuleError) as info:
        services.update_resident(r, by=worker, fields={"id_number": taken}, reason="改号")
    assert info.value.code == "id_number_unavailable"


def test_invalid_fields_are_refused_with_field_messages(county: County, worker: Any) -> None:
    with pytest.raises(RuleError) as info:
        _register(county, worker, id_number="330723199002301234", phone="12345", ethnicity="火星族")
    assert info.value.code == "invalid"
    assert set(info.value.fields) >= {"id_number", "phone", "ethnicity"}


def test_worker_cannot_register_a_resident_outside_their_community(county: County, worker: Any) -> None:
    dwelling = county.buildings["b11"].dwellings.first()
    with pytest.raises(RuleError) as info:
        services.register_resident(
            by=worker,
            community=county.community_b1,
            dwelling=dwelling,
            fields={"name": "越界", "id_number": make_id("330723", dt.date(1990, 1, 1), 2)},
        )
    assert info.value.code == "forbidden"


def test_update_resident_keeps_history_with_reason_user_and_changed_fields(
    county: County, worker: Any
) -> None:
    r = county.residents["a11"]
    changed = services.update_resident(
        r, by=worker, fields={"phone": "13912345678", "workplace": "县医院"}, reason="入户核实"
    )
    assert set(changed) == {"phone", "workplace"}
    r.refresh_from_db()
    latest = r.history.first()
    assert latest.history_change_reason == "入户核实"
    assert latest.history_user == worker
    delta = latest.diff_against(latest.prev_record)
    assert set(delta.changed_fields) >= {"workplace", "phone_masked", "phone_cipher", "phone_digest"}
    assert latest.prev_record.phone_masked == "138****0001"
    assert latest.phone_masked == "139****5678"


def test_update_without_changes_writes_no_history(county: County, worker: Any) -> None:
    r = county.residents["a11"]
    before = r.history.count()
    assert services.update_resident(r, by=worker, fields={"phone": "138 0000 0001", "name": "张伟"}) == []
    assert r.history.count() == before


def test_update_with_a_new_id_number_rederives_gender_and_birth(county: County, worker: Any) -> None:
    r = county.residents["a11"]
    services.update_resident(
        r,
        by=worker,
        fields={"id_number": make_id("330723", dt.date(1966, 9, 9), 22)},
        reason="身份证号登记错误",
    )
    r.refresh_from_db()
    assert (r.birth_date, r.gender) == (dt.date(1966, 9, 9), "2")


def test_grid_worker_cannot_update_a_resident_of_another_grid(county: County) -> None:
    gw = make_user(Role.GRID_WORKER, county.grid_a1_2)
    with pytest.raises(RuleError) as info:
        services.update_resident(county.residents["a11"], by=gw, fields={"workplace": "x"})
    assert info.value.code == "forbidden"


# --- life events --------------------------------------------------------------------------------


def test_move_out_sets_status_and_keeps_the_resident(county: County, worker: Any) -> None:
    r = county.residents["a11"]
    event = services.record_life_event(
        r, kind=LifeEventKind.MOVE_OUT, date=dt.date(2025, 3, 1), by=worker, note="迁往杭州"
    )
    r.refresh_from_db()
    assert r.status == ResidentStatus.MOVED_OUT
    assert event.recorded_by == worker
    assert r.history.first().history_change_reason == str(LifeEventKind.MOVE_OUT.label)
    with pytest.raises(RuleError) as info:
        services.record_life_event(r, kind=LifeEventKind.MOVE_OUT, date=dt.date(2025, 3, 2), by=worker)
    assert info.value.code == "not_active"


def test_death_sets_deceased_and_allows_no_further_events(county: County, worker: Any) -> None:
    r = county.residents["a11"]
    services.record_life_event(r, kind=LifeEventKind.DEATH, date=dt.date(2025, 3, 1), by=worker)
    r.refresh_from_db()
    assert r.status == ResidentStatus.DECEASED
    for kind in LifeEventKind:
        with pytest.raises(RuleError) as info:
            services.record_life_event(
                r, kind=kind, date=dt.date(2025, 3, 2), by=worker, household=county.residents["a12"].household
            )
        assert info.value.code == "deceased"
    assert LifeEvent.objects.filter(resident=r).count() == 1


def test_future_date_is_refused(county: County, worker: Any) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(RuleError) as info:
        services.record_life_event(
            county.residents["a11"], kind=LifeEventKind.DEATH, date=tomorrow, by=worker
        )
    assert info.value.code == "future_date"
    assert Resident.objects.get(pk=county.residents["a11"].pk).status == ResidentStatus.ACTIVE


def test_change_household_moves_the_resident_and_their_tags(county: County, worker: Any) -> None:
    r = county.residents["a11"]
    target = county.residents["a12"].household
    event = services.record_life_event(
        r, kind=LifeEventKind.CHANGE_HOUSEHOLD, date=dt.date(2025, 1, 1), by=worker, household=target
    )
    r.refresh_from_db()
    assert r.household == target
    assert r.grid == county.grid_a1_2
    assert r.micro_grid is None
    assert r.area_path == county.grid_a1_2.path
    assert event.area_path == county.grid_a1_2.path
    assert "Ha11" in event.detail and "Ha12" in event.detail
    assert set(ResidentTag.objects.filter(resident=r).values_list("area_path", flat=True)) == {
        county.grid_a1_2.path
    }
    # The new grid's worker now sees the resident and the open tag; the old grid's does not.
    new_gw, old_gw = (
        make_user(Role.GRID_WORKER, county.grid_a1_2),
        make_user(Role.GRID_WORKER, county.grid_a1_1),
    )
    assert selectors.residents_visible_to(new_gw).filter(pk=r.pk).exists()
    assert selectors.resident_tags_visible_to(new_gw).filter(resident=r).count() == 2
    assert not selectors.resident_tags_visible_to(old_gw).filter(resident=r).exists()


def test_change_household_needs_a_household(county: County, worker: Any) -> None:
    with pytest.raises(RuleError) as info:
        services.record_life_event(
            county.residents["a11"], kind=LifeEventKind.CHANGE_HOUSEHOLD, date=dt.date(2025, 1, 1), by=worker
        )
    assert info.value.code == "household_required"


def test_move_in_to_a_dwelling_moves_area_path_and_community(county: County) -> None:
    street_admin = make_user(Role.STREET_ADMIN, county.street_a)
    r = county.residents["a11"]
    services.record_life_event(r, kind=LifeEventKind.MOVE_OUT, date=dt.date(2024, 1, 1), by=street_admin)
    dwelling = county.buildings["a21"].dwellings.first()
    services.record_life_event(
        r, kind=LifeEventKind.MOVE_IN, date=dt.date(2025, 1, 1), by=street_admin, dwelling=dwelling
    )
    r.refresh_from_db()
    assert r.status == ResidentStatus.ACTIVE
    assert r.community == county.community_a2
    assert r.area_path == county.grid_a2_1.path


def test_worker_cannot_move_a_resident_into_a_dwelling_outside_their_scope(
    county: County, worker: Any
) -> None:
    r = county.residents["a11"]
    outside = county.buildings["b11"].dwellings.first()
    with pytest.raises(RuleError) as info:
        services.record_life_event(
            r, kind=LifeEventKind.MOVE_IN, date=dt.date(2025, 1, 1), by=worker, dwelling=outside
        )
    assert info.value.code == "forbidden"
    r.refresh_from_db()
    assert r.area_path == county.micro_a1_1_1.path


def test_nothing_hard_deletes_a_resident(county: County, worker: Any) -> None:
    assert not [name for name in dir(services) if "delete" in name.lower() and "resident" in name.lower()]
    # The only .delete() in the registry's services removes a tag link (its history keeps it).
    source = inspect.getsource(services)
    assert source.count(".delete()") == 1 and "_as(link, by).delete()" in source
    r = county.residents["a11"]
    services.record_life_event(r, kind=LifeEventKind.DEATH, date=dt.date(2025, 1, 1), by=worker)
    with pytest.raises(ProtectedError):
        r.delete()  # life events protect the resident
    with pytest.raises(ProtectedError):
        county.residents["a12"].household.delete()  # members protect the household
    with pytest.raises(ProtectedError):
        county.community_a1.delete()


# --- tags ---------------------------------------------------------------------------------------


def test_restricted_tag_needs_view_key_populations(county: County) -> None:
    leader = make_user(Role.BUILDING_LEADER, county.grid_a1_1)
    r = county.residents["a11"]
    services.remove_tag(r, tag=TagType.objects.get(code="dibao"), by=System("test"))
    with pytest.raises(RuleError) as info:
        services.add_tag(r, tag=TagType.objects.get(code="dibao"), by=leader)
    assert info.value.code == "forbidden"
    assert not r.tag_links.filter(tag__code="dibao").exists()
    gw = make_user(Role.GRID_WORKER, county.grid_a1_1)
    link = services.add_tag(r, tag=TagType.objects.get(code="dibao"), by=gw, note="2025年认定")
    assert link.area_path == r.area_path
    assert link.history.first().history_user == gw


def test_adding_a_tag_twice_keeps_one_link(county: County, worker: Any) -> None:
    r = county.residents["a11"]
    tag = TagType.objects.get(code="elderly_alone")
    services.add_tag(r, tag=tag, by=worker, note="子女在外地")
    assert r.tag_links.filter(tag=tag).count() == 1
    assert r.tag_links.get(tag=tag).note == "子女在外地"


def test_removing_a_tag_keeps_who_removed_it_and_why(county: County, worker: Any) -> None:
    r = county.residents["a11"]
    tag = TagType.objects.get(code="dibao")
    services.remove_tag(r, tag=tag, by=worker, reason="收入超标退出")
    assert not r.tag_links.filter(tag=tag).exists()
    removal = ResidentTag.history.filter(resident_id=r.pk, tag_id=tag.pk, history_type="-").get()
    assert removal.history_user == worker
    assert removal.history_change_reason == "收入超标退出"


# --- revealing numbers --------------------------------------------------------------------------


def test_reveal_needs_a_reason(county: County, worker: Any) -> None:
    for reason in ["", "   ", ".", "核实", " 核 \x1b "]:
        with pytest.raises(RuleError) as info:
            services.reveal_pii(county.residents["a11"], by=worker, purpose="verify_identity", note=reason)
        assert info.value.code == "purpose_required"
        assert "note" in info.value.fields and "purpose" not in info.value.fields
    for purpose in ["", "curious"]:
        with pytest.raises(RuleError) as info:
            services.reveal_pii(county.residents["a11"], by=worker, purpose=purpose, note="上门核实低保")
        assert list(info.value.fields) == ["purpose"]
    assert not AuditEvent.objects.filter(action="resident:reveal").exists()


def test_reveal_returns_the_numbers_and_writes_an_audit_event(county: County, worker: Any) -> None:
    r = county.residents["a11"]
    numbers = services.reveal_pii(
        r, by=worker, purpose="verify_identity", note="办理养老补贴", ip_address="10.0.0.8"
    )
    assert numbers["phone"] == "13800000001"
    assert numbers["id_number"][:6] == "330723" and numbers["id_number"][-4:] == r.id_number_masked[-4:]
    event = AuditEvent.objects.get(action="resident:reveal")
    assert event.actor == worker
    assert (event.target_type, event.target_id) == ("registry.resident", str(r.pk))
    assert event.reason == "核实身份：办理养老补贴"
    assert event.extra == {"purpose": "verify_identity"}
    assert event.area_path == r.area_path
    assert event.ip_address == "10.0.0.8"


@pytest.mark.parametrize("role", [Role.BUILDING_LEADER, Role.VOLUNTEER])
def test_roles_without_reveal_permission_cannot_reveal(county: County, role: Role) -> None:
    node = county.grid_a1_1 if role == Role.BUILDING_LEADER else county.community_a1
    user = make_user(role, node)
    with pytest.raises(RuleError) as info:
        services.reveal_pii(county.residents["a11"], by=user, purpose="verify_identity", note="核对身份信息")
    assert info.value.code == "forbidden"
    assert not AuditEvent.objects.filter(action="resident:reveal").exists()


def test_grid_worker_cannot_reveal_outside_grid(county: County) -> None:
    gw = make_user(Role.GRID_WORKER, county.grid_a1_1)
    assert services.reveal_pii(county.residents["a11"], by=gw, purpose="verify_identity", note="核对身份信息")
    with pytest.raises(RuleError):
        services.reveal_pii(county.residents["a12"], by=gw, purpose="verify_identity", note="核对身份信息")
    assert AuditEvent.objects.filter(action="resident:reveal").count() == 1


# --- grids and boundaries -----------------------------------------------------------------------


def _grid(county: County, boundary: Any, sequence: int = 9) -> Grid:
    return services.create_grid(
        community=county.community_a1, sequence=sequence, name="新网格", boundary=boundary, by=System("test")
    )


def test_adjacent_grids_sharing_an_edge_are_fine(county: County) -> None:
    # Grids 1 and 2 of 熟溪社区 already share an edge; a third below them shares edges with both.
    assert _grid(county, square(119.80, 28.91, 0.01)).path == f"{county.community_a1.path}.009"


@pytest.mark.parametrize(
    "boundary",
    [
        {"type": "Point", "coordinates": [119.8, 28.9]},
        {"type": "Polygon", "coordinates": [[[119.80, 28.90], [119.81, 28.90]]]},
        {"type": "Polygon", "coordinates": "nonsense"},
        "not even json",
    ],
)
def test_a_boundary_that_is_not_a_polygon_is_refused(county: County, boundary: Any) -> None:
    with pytest.raises(RuleError) as info:
        _grid(county, boundary)
    assert info.value.code == "invalid_boundary"


def test_a_self_intersecting_bow_tie_is_refused(county: County) -> None:
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[119.80, 28.91], [119.81, 28.92], [119.81, 28.91], [119.80, 28.92], [119.80, 28.91]]
        ],
    }
    with pytest.raises(RuleError) as info:
        _grid(county, bow_tie)
    assert info.value.code == "invalid_boundary"


def test_a_boundary_outside_the_community_is_refused(county: County) -> None:
    with pytest.raises(RuleError) as info:
        _grid(county, square(119.90, 28.95, 0.01))
    assert info.value.code == "outside_parent"


def test_a_boundary_overlapping_a_sibling_grid_is_refused(county: County) -> None:
    with pytest.raises(RuleError) as info:
        _grid(county, square(119.805, 28.90, 0.01))
    assert info.value.code == "overlaps_sibling"
    assert not Grid.objects.filter(community=county.community_a1, path__endswith=".009").exists()


def test_changing_a_grid_boundary_checks_it_and_keeps_history(county: County, worker: Any) -> None:
    g = county.grid_a1_2
    with pytest.raises(RuleError):
        services.change_grid_boundary(g, boundary=square(119.805, 28.90, 0.01), by=worker)
    services.change_grid_boundary(g, boundary=square(119.81, 28.90, 0.008), by=worker, reason="划出商业街")
    latest = Grid.objects.get(pk=g.pk).history.first()
    assert latest.history_change_reason == "划出商业街"
    assert latest.history_user == worker


def test_grid_code_is_community_code_and_three_digits(county: County) -> None:
    assert county.grid_a1_1.code == "330723001001001"
    assert county.micro_a1_1_1.code == "330723001001001001"
    with pytest.raises(RuleError):
        services.create_grid(community=county.community_a1, sequence=1000, name="x", by=System("test"))
    with pytest.raises(RuleError) as info:
        services.create_grid(community=county.street_a, sequence=5, name="x", by=System("test"))
    assert info.value.code == "not_a_community"


# --- buildings ----------------------------------------------------------------------------------


def test_building_codes_count_up_per_community_with_five_digits(county: County) -> None:
    assert county.buildings["a11"].code == "33072300100100001"
    assert county.buildings["a12"].code == "33072300100100002"
    assert county.buildings["a21"].code == "33072300100200001"
    b = services.create_building(
        community=county.community_a1,
        name="2幢",
        address="武义县溪南小区2幢",
        grid=county.grid_a1_1,
        by=System("test"),
    )
    assert b.code == "33072300100100003"
    assert len(b.code) == 17 and b.code[-5:] == "00003"


def test_building_in_a_micro_grid_takes_its_grid(county: County) -> None:
    b = services.create_building(
        community=county.community_a1,
        name="3幢",
        address="x",
        micro_grid=county.micro_a1_1_1,
        by=System("test"),
    )
    assert b.grid == county.grid_a1_1
    assert b.area_path == county.micro_a1_1_1.path


def test_dwelling_floor_comes_from_the_room_number(county: County) -> None:
    d, created = services.get_or_create_dwelling(building=county.buildings["a11"], unit="2", room="1203")
    assert created and d.floor == 12
    assert services.get_or_create_dwelling(building=county.buildings["a11"], unit="2", room="1203") == (
        d,
        False,
    )


# --- history ------------------------------------------------------------------------------------


def test_history_names_the_user_for_places_households_and_residents(county: County) -> None:
    admin = make_user(Role.DISTRICT_ADMIN, county.district)
    area = services.create_area(
        code="330723001003",
        name="新建社区",
        level="community",
        parent=county.street_a,
        by=admin,
        boundary=square(119.84, 28.90, 0.02),
    )
    grid = services.create_grid(
        community=area, sequence=1, name="新建第一网格", by=admin, boundary=square(119.84, 28.90, 0.01)
    )
    micro = services.create_micro_grid(grid=grid, sequence=1, name="1号微网格", by=admin)
    building = services.create_building(
        community=area, grid=grid, name="1幢", address="新建小区1幢", by=admin
    )
    dwelling, _ = services.get_or_create_dwelling(building=building, unit="1", room="101")
    household = services.create_household(community=area, number="H-new", by=admin, dwelling=dwelling)
    resident = services.register_resident(
        by=admin,
        community=area,
        dwelling=dwelling,
        household=household,
        fields={"name": "孙新", "id_number": make_id("330723", dt.date(2001, 1, 1), 3)},
    )
    services.set_household_head(household, head=resident, by=admin)
    for obj in (area, grid, micro, building, household, resident):
        history = type(obj).history.filter(id=obj.pk)
        assert history.exists(), type(obj).__name__
        assert all(h.history_user == admin for h in history), type(obj).__name__
    assert (
        Household.history.filter(id=household.pk).first().history_change_reason == "Head of household changed"
    )


def test_history_without_a_user_has_no_user(county: County) -> None:
    r = county.residents["a11"]
    assert r.history.last().history_user is None  # built by a command (a System actor)
    assert r.history.last().history_change_reason


# --- search -------------------------------------------------------------------------------------


def _search(text: str) -> set[str]:
    return set(selectors.search_residents(Resident.objects.all(), text).values_list("name", flat=True))


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("zw", {"张伟"}),
        ("ZW", {"张伟"}),
        ("zhangwei", {"张伟"}),
        ("zhang wei", {"张伟"}),
        ("zhang", {"张伟"}),
        ("伟", {"张伟"}),
        ("王芳", {"王芳"}),
        ("13800000002", {"李娜"}),
        ("138-0000-0002", {"李娜"}),
        ("+86 138 0000 0003", {"王芳"}),
        ("0004", {"刘洋"}),
        ("溪北", {"李娜"}),
        ("", {"张伟", "李娜", "王芳", "刘洋"}),
        ("nobody", set()),
        ("13900000000", set()),
    ],
)
def test_search_by_name_pinyin_phone_or_address(county: County, text: str, names: set[str]) -> None:
    assert _search(text) == names


def test_search_by_full_id_number_goes_through_the_digest(county: County) -> None:
    r = county.residents["a21"]
    number = services.reveal_pii(r, by=System("test"), purpose="verify_identity", note="核对身份信息")[
        "id_number"
    ]
    assert _search(number) == {"王芳"}
    assert _search(f" {number[:6]} {number[6:14]} {number[14:].lower()} ") == {"王芳"}
    assert _search(number[:17] + ("0" if number[17] != "0" else "1")) == set()


def test_search_by_last_four_digits_of_the_id_number(county: County) -> None:
    r = county.residents["b11"]
    assert "刘洋" in _search(r.id_number_masked[-4:])


def test_search_by_last_four_when_the_id_number_ends_in_x(county: County, worker: Any) -> None:
    number = next(
        n for seq in range(1, 999) if (n := make_id("330723", dt.date(1975, 3, 9), seq)).endswith("X")
    )
    _register(county, worker, name="钱晓", id_number=number)
    assert "钱晓" in _search(number[-4:].lower())


def test_search_for_a_latin_name(county: County, worker: Any) -> None:
    _register(
        county,
        worker,
        name="John Smith",
        id_type="passport",
        id_number="E12345678",
        gender="男",
        birth_date="1980-02-02",
    )
    assert _search("js") == {"John Smith"}
    assert _search("smith") == {"John Smith"}


# --- age bands ----------------------------------------------------------------------------------


def _ages(county: County) -> None:
    for name, birth in [
        ("小孩", dt.date(2020, 3, 1)),
        ("少年", dt.date(2008, 3, 2)),
        ("成年", dt.date(2008, 3, 1)),
        ("老人", dt.date(1940, 5, 5)),
        ("闰日", dt.date(2008, 2, 29)),
    ]:
        add_resident(
            county.buildings["a11"].dwellings.first(), name, birth=birth, sequence=len(name) * 7 + birth.day
        )


@pytest.mark.parametrize(
    ("band", "names"),
    [("0-6", {"小孩"}), ("7-17", {"少年"}), ("18-34", {"成年", "闰日"}), ("80+", {"老人"})],
)
def test_age_bands(county: County, band: str, names: set[str]) -> None:
    _ages(county)
    qs = selectors.filter_by_age_band(
        Resident.objects.exclude(name__in=["张伟", "李娜", "王芳", "刘洋"]), band, today=dt.date(2026, 3, 1)
    )
    assert set(qs.values_list("name", flat=True)) == names


def test_age_bands_work_on_the_twenty_ninth_of_february(county: County) -> None:
    _ages(county)
    leap_day = dt.date(2028, 2, 29)
    adults = selectors.filter_by_age_band(Resident.objects.all(), "18-34", today=leap_day)
    children = selectors.filter_by_age_band(Resident.objects.all(), "0-6", today=leap_day)
    # Born 2010-02-28 would be 18 today; born 29 Feb 2008 is 20; the 2020 child is 7.
    assert set(adults.values_list("name", flat=True)) == {"成年", "少年", "闰日"}
    assert not children.filter(name="小孩").exists()
    assert (
        selectors.filter_by_age_band(Resident.objects.all(), "7-17", today=leap_day)
        .filter(name="小孩")
        .exists()
    )


def test_unknown_age_band_does_not_filter(county: County) -> None:
    assert selectors.filter_by_age_band(Resident.objects.all(), "elderly").count() == 4


# --- scope --------------------------------------------------------------------------------------


def _visible(user: Any) -> set[str]:
    return set(selectors.residents_visible_to(user).values_list("name", flat=True))


def test_residents_visible_to_each_role(county: County) -> None:
    assert _visible(make_user(Role.GRID_WORKER, county.grid_a1_1)) == {"张伟"}
    assert _visible(make_user(Role.COMMUNITY_WORKER, county.community_a1)) == {"张伟", "李娜"}
    assert _visible(make_user(Role.STREET_ADMIN, county.street_a)) == {"张伟", "李娜", "王芳"}
    assert _visible(make_user(Role.DISTRICT_ADMIN, county.district)) == {"张伟", "李娜", "王芳", "刘洋"}
    assert _visible(make_user(Role.VOLUNTEER, county.community_a1)) == set()
    assert _visible(make_user(Role.HANDLER, county.community_a1)) == set()


def test_resident_get_for_gives_the_same_404_for_missing_and_out_of_scope(county: County) -> None:
    from django.http import Http404

    gw = make_user(Role.GRID_WORKER, county.grid_a1_1)
    assert selectors.resident_get_for(gw, county.residents["a11"].pk).name == "张伟"
    for pk in [county.residents["b11"].pk, 999999, "abc", None]:
        with pytest.raises(Http404):
            selectors.resident_get_for(gw, pk)


def test_building_leader_does_not_see_restricted_tags(county: County) -> None:
    leader = make_user(Role.BUILDING_LEADER, county.grid_a1_1)
    gw = make_user(Role.GRID_WORKER, county.grid_a1_1)
    r = county.residents["a11"]
    assert set(
        selectors.resident_tags_visible_to(leader).filter(resident=r).values_list("tag__code", flat=True)
    ) == {"elderly_alone"}
    assert set(
        selectors.resident_tags_visible_to(gw).filter(resident=r).values_list("tag__code", flat=True)
    ) == {"elderly_alone", "dibao"}
    [seen] = selectors.residents_visible_to(leader)
    assert [link.tag.code for link in seen.visible_tags] == ["elderly_alone"]
    assert not selectors.tag_types_visible_to(leader).filter(restricted=True).exists()


def test_areas_visible_to_a_grid_worker_include_their_ancestors_only(county: County) -> None:
    gw = make_user(Role.GRID_WORKER, county.grid_a1_1)
    names = set(selectors.areas_visible_to(gw).values_list("name", flat=True))
    assert names == {"武义县", "壶山街道", "熟溪社区"}
    assert set(selectors.buildings_visible_to(gw)) == {county.buildings["a11"]}
    assert Area.objects.count() == 6
    assert Building.objects.count() == 4


def test_a_duplicate_that_slips_past_the_check_is_still_a_rule_error(
    county: County, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two registrations of one number at the same moment: the database constraint decides, and the
    loser gets the same id_number_unavailable answer, not a 500."""
    number = make_id("330723", dt.date(1990, 6, 15), 24)
    _register(county, worker, id_number=number)
    monkeypatch.setattr(services, "_check_unique_id", lambda resident: None)
    with pytest.raises(RuleError) as info:
        _register(county, worker, name="同时登记", id_number=number)
    assert info.value.code == "id_number_unavailable"
    assert Resident.objects.filter(name="赵敏").count() == 1
    assert not Resident.objects.filter(name="同时登记").exists()
