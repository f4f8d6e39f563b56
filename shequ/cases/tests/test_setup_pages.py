"""The configuration pages: categories and their limits, escalation rules, handler units and their
members, Open311 clients. Only Perm.CONFIGURE; every write audited; bad input never a 500."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from shequ.audit.models import AuditEvent
from shequ.cases import services
from shequ.cases.models import (
    CaseCategory,
    EscalationAction,
    EscalationRule,
    HandlerUnit,
    Open311Client,
    Stage,
    UnitKind,
    UnitMember,
)
from shequ.cases.services.common import acting_at
from shequ.cases.testing import CaseWorld, build_case_world, report
from shequ.core.actors import System
from shequ.core.calendar import get_calendar

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


@pytest.fixture
def admin_client(client: Any, world: CaseWorld) -> Any:
    client.force_login(world.district_admin)
    return client


@pytest.fixture
def en(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def html(response: Any) -> str:
    return response.content.decode()


def category_post(category: CaseCategory, **changes: Any) -> dict[str, Any]:
    """The edit form as the browser would send it, with some fields changed."""
    data: dict[str, Any] = {
        "name": category.name,
        "name_en": category.name_en,
        "parent": category.parent_id or "",
        "description": category.description,
        "accept_hours": category.accept_hours,
        "dispatch_hours": category.dispatch_hours,
        "handle_hours": category.handle_hours,
        "verify_hours": category.verify_hours,
        "default_unit": category.default_unit_id or "",
        "sort": category.sort,
    }
    if category.public:
        data["public"] = "on"
    if category.active:
        data["active"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- who may ------------------------------------------------------------------------------------

GET_PAGES = [
    ("cases:setup", ()),
    ("cases:setup_category_new", ()),
    ("cases:setup_category", ("category",)),
    ("cases:setup_rules", ()),
    ("cases:setup_rule", ("rule",)),
    ("cases:setup_units", ()),
    ("cases:setup_unit_new", ()),
    ("cases:setup_unit", ("unit",)),
    ("cases:setup_open311", ()),
]
POST_ONLY = [
    ("cases:setup_unit_member_add", ("unit",)),
    ("cases:setup_unit_member_remove", ("unit", "member")),
    ("cases:setup_open311_deactivate", ("client",)),
]


def _args(world: CaseWorld, names: tuple[str, ...]) -> list[int]:
    client = (
        Open311Client.objects.first() or services.create_open311_key(by=System("test"), name="12345热线")[0]
    )
    objects = {
        "category": world.category.pk,
        "rule": EscalationRule.objects.first().pk,
        "unit": world.property_unit.pk,
        "member": world.handler.pk,
        "client": client.pk,
    }
    return [objects[n] for n in names]


@pytest.mark.parametrize(("name", "args"), GET_PAGES)
def test_every_setup_page_answers_a_county_admin(
    admin_client: Any, world: CaseWorld, name: str, args: Any
) -> None:
    assert admin_client.get(reverse(name, args=_args(world, args))).status_code == 200


@pytest.mark.parametrize("role", ["worker", "street_admin", "grid_worker", "handler"])
@pytest.mark.parametrize(("name", "args"), GET_PAGES + POST_ONLY)
def test_only_configurers_reach_the_setup_pages(
    client: Any, world: CaseWorld, role: str, name: str, args: Any
) -> None:
    client.force_login(getattr(world, role))
    url = reverse(name, args=_args(world, args))
    assert client.get(url).status_code in (403, 405)
    before = (
        list(CaseCategory.objects.values_list("pk", "name", "accept_hours", "active")),
        UnitMember.objects.count(),
        list(Open311Client.objects.values_list("pk", "active")),
    )
    assert client.post(url, {"name": "x", "username": world.worker.username}).status_code == 403
    after = (
        list(CaseCategory.objects.values_list("pk", "name", "accept_hours", "active")),
        UnitMember.objects.count(),
        list(Open311Client.objects.values_list("pk", "active")),
    )
    assert after == before


def test_a_community_worker_does_not_see_the_menu_entry(client: Any, world: CaseWorld) -> None:
    client.force_login(world.worker)
    assert reverse("cases:setup") not in html(client.get(reverse("cases:figures")))
    client.force_login(world.district_admin)
    assert reverse("cases:setup") in html(client.get(reverse("cases:figures")))


# --- categories ---------------------------------------------------------------------------------


def test_the_tree_shows_every_category_indented_with_its_limits(admin_client: Any, world: CaseWorld) -> None:
    page = html(admin_client.get(reverse("cases:setup")))
    for category in CaseCategory.objects.all():
        assert f'data-code="{category.code}"' in page
    row = page.split('data-code="sanitation.garbage"', 1)[1].split("</tr>", 1)[0]
    assert "calc(12px + 1 * 1.5em)" in row  # one level down
    assert '<td class="num" data-limit="handle">16</td>' in row
    assert "熟溪物业服务中心" in row
    # Parents come before their children.
    assert page.index('data-code="sanitation"') < page.index('data-code="sanitation.garbage"')


def test_new_limits_apply_to_the_next_case(admin_client: Any, world: CaseWorld) -> None:
    category = world.category
    response = admin_client.post(
        reverse("cases:setup_category", args=[category.pk]), category_post(category, accept_hours="8")
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.accept_hours == Decimal("8.0")
    assert AuditEvent.objects.filter(action="case_category:save", target_id=str(category.pk)).exists()
    reported = dt.datetime(2025, 3, 10, 9, 0, tzinfo=TZ)  # a Monday
    with acting_at(reported):
        case = report(world)
    # 8 working hours from Monday 09:00: 09:00-12:00 and 13:30-18:00 make 7.5, then 30 minutes on Tuesday.
    assert case.due_at == get_calendar().add_working_hours(reported, 8)
    assert case.due_at == dt.datetime(2025, 3, 11, 9, 0, tzinfo=TZ)
    assert case.limit_hours == 8


def test_the_english_name_is_edited_on_the_category_form(admin_client: Any, world: CaseWorld) -> None:
    category = world.category
    url = reverse("cases:setup_category", args=[category.pk])
    assert 'name="name_en"' in html(admin_client.get(url))
    response = admin_client.post(url, category_post(category, name_en="Rubbish left out"))
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name, category.name_en) == ("垃圾堆放", "Rubbish left out")
    assert 'value="Rubbish left out"' in html(admin_client.get(url))


def test_a_sub_category_can_be_added_under_any_node_and_inherits_its_limits(
    admin_client: Any, world: CaseWorld
) -> None:
    parent = world.category  # a leaf
    page = html(admin_client.get(reverse("cases:setup_category_new"), {"parent": parent.pk}))
    assert 'value="sanitation.garbage."' in page
    response = admin_client.post(
        reverse("cases:setup_category_new"),
        {
            "code": "sanitation.garbage.bulky",
            "name": "大件垃圾",
            "parent": parent.pk,
            "public": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302
    child = CaseCategory.objects.get(code="sanitation.garbage.bulky")
    assert child.parent == parent and child.handle_hours == parent.handle_hours
    assert child.default_unit == world.property_unit
    assert f'data-code="{child.code}"' in html(admin_client.get(reverse("cases:setup")))


def test_a_category_is_switched_off_not_deleted(admin_client: Any, world: CaseWorld) -> None:
    category = CaseCategory.objects.get(code="sanitation.sewage")
    post = category_post(category)
    post.pop("active")
    assert admin_client.post(reverse("cases:setup_category", args=[category.pk]), post).status_code == 302
    category.refresh_from_db()
    assert category.active is False and CaseCategory.objects.filter(pk=category.pk).exists()
    row = html(admin_client.get(reverse("cases:setup"))).split(f'data-code="{category.code}"', 1)[1]
    row = row.split("</tr>", 1)[0]
    assert row.startswith(' class="muted"') and "badge-grey" in row


def test_a_category_cannot_move_under_its_own_child(admin_client: Any, world: CaseWorld) -> None:
    parent = CaseCategory.objects.get(code="sanitation")
    response = admin_client.post(
        reverse("cases:setup_category", args=[parent.pk]), category_post(parent, parent=world.category.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["parent"]
    parent.refresh_from_db()
    assert parent.parent is None


@pytest.mark.parametrize(
    "changes",
    [
        {"accept_hours": "abc"},
        {"accept_hours": "-3"},
        {"accept_hours": "0"},
        {"handle_hours": "99999999"},
        {"verify_hours": ""},
        {"name": ""},
        {"parent": "999999"},
        {"parent": "abc"},
        {"default_unit": "999999"},
        {"sort": "-1"},
    ],
)
def test_bad_category_input_is_shown_on_the_form(
    admin_client: Any, world: CaseWorld, changes: dict[str, str]
) -> None:
    category = world.category
    response = admin_client.post(
        reverse("cases:setup_category", args=[category.pk]), category_post(category, **changes)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    refreshed = CaseCategory.objects.get(pk=category.pk)
    assert (refreshed.name, refreshed.accept_hours, refreshed.parent_id) == (
        category.name,
        category.accept_hours,
        category.parent_id,
    )


def test_bad_new_category_input_is_shown_on_the_form(admin_client: Any, world: CaseWorld) -> None:
    url = reverse("cases:setup_category_new")
    for data in (
        {"code": "sanitation.garbage", "name": "重复"},  # code taken
        {"code": "Not A Code!", "name": "坏代码"},
        {"code": "toplevel", "name": "无时限"},  # a top-level category needs its own limits
        {},
    ):
        response = admin_client.post(url, data)
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    assert not CaseCategory.objects.filter(name__in=["重复", "坏代码", "无时限"]).exists()
    assert admin_client.get(url, {"parent": "garbage"}).status_code == 200
    assert admin_client.get(reverse("cases:setup_category", args=[999999])).status_code == 404


# --- escalation rules ---------------------------------------------------------------------------


def test_rules_are_added_edited_and_switched_off(admin_client: Any, world: CaseWorld) -> None:
    url = reverse("cases:setup_rules")
    response = admin_client.post(
        url, {"stage": Stage.DISPATCH, "overdue_hours": "24", "action": "escalate", "active": "on"}
    )
    assert response.status_code == 302
    rule = EscalationRule.objects.get(stage=Stage.DISPATCH, overdue_hours=Decimal(24))
    assert rule.action == EscalationAction.ESCALATE and rule.active
    response = admin_client.post(
        reverse("cases:setup_rule", args=[rule.pk]),
        {"stage": Stage.DISPATCH, "overdue_hours": "32", "action": "supervise"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.overdue_hours, rule.action, rule.active) == (Decimal(32), EscalationAction.SUPERVISE, False)
    assert AuditEvent.objects.filter(action="escalation_rule:save", target_id=str(rule.pk)).count() == 2
    page = html(admin_client.get(url))
    assert f'data-rule="{rule.pk}"' in page


@pytest.mark.parametrize(
    "data",
    [
        {"stage": "handle", "overdue_hours": "8", "action": "escalate"},  # a unit has it: cannot pass up
        {"stage": "handle", "overdue_hours": "8", "action": "remind"},  # exists already (default rules)
        {"stage": "nowhere", "overdue_hours": "8", "action": "remind"},
        {"stage": "accept", "overdue_hours": "-1", "action": "remind"},
        {"stage": "accept", "overdue_hours": "lots", "action": "remind"},
        {"stage": "accept", "overdue_hours": "8", "action": "explode"},
        {},
    ],
)
def test_bad_rules_are_refused_on_the_form(admin_client: Any, world: CaseWorld, data: dict[str, str]) -> None:
    before = EscalationRule.objects.count()
    response = admin_client.post(reverse("cases:setup_rules"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert EscalationRule.objects.count() == before


# --- handler units ------------------------------------------------------------------------------


def test_units_are_listed_with_their_member_counts(admin_client: Any, world: CaseWorld) -> None:
    page = html(admin_client.get(reverse("cases:setup_units")))
    for unit, members in ((world.property_unit, 2), (world.department, 1), (world.other_unit, 0)):
        row = page.split(f'data-unit="{unit.pk}"', 1)[1].split("</tr>", 1)[0]
        assert unit.name in row and f'<td class="num" data-members>{members}</td>' in row


def test_a_unit_is_added_then_gets_and_loses_members(admin_client: Any, world: CaseWorld, en: None) -> None:
    county = world.county
    response = admin_client.post(
        reverse("cases:setup_unit_new"),
        {
            "name": "县供电公司",
            "kind": UnitKind.UTILITY,
            "area": county.district.pk,
            "phone": "95598",
            "active": "on",
        },
    )
    unit = HandlerUnit.objects.get(name="县供电公司")
    assert response.status_code == 302 and response["Location"] == reverse("cases:setup_unit", args=[unit.pk])
    assert unit.area_path == county.district.path and unit.kind == UnitKind.UTILITY
    add = reverse("cases:setup_unit_member_add", args=[unit.pk])
    response = admin_client.post(add, {"username": world.dept_handler.username, "is_lead": "on"}, follow=True)
    assert UnitMember.objects.get(unit=unit, user=world.dept_handler).is_lead
    assert f'data-member="{world.dept_handler.username}"' in html(response)
    # A user without a handler role is added, with a warning that they will not see the cases.
    response = admin_client.post(add, {"username": world.grid_worker.username}, follow=True)
    assert UnitMember.objects.filter(unit=unit, user=world.grid_worker).exists()
    assert any("no role that handles cases" in str(m) for m in response.context["messages"])
    assert "No handler role" in html(response)
    # Unknown users are refused on the form.
    response = admin_client.post(add, {"username": "nobody_here"})
    assert response.status_code == 200 and response.context["member_form"].errors["username"]
    remove = reverse("cases:setup_unit_member_remove", args=[unit.pk, world.grid_worker.pk])
    assert admin_client.post(remove).status_code == 302
    assert not UnitMember.objects.filter(unit=unit, user=world.grid_worker).exists()
    actions = set(AuditEvent.objects.filter(target_id=str(unit.pk)).values_list("action", flat=True))
    assert {"handler_unit:save", "handler_unit:add_member", "handler_unit:remove_member"} <= actions


def test_a_unit_is_renamed_and_switched_off(admin_client: Any, world: CaseWorld) -> None:
    unit = world.other_unit
    response = admin_client.post(
        reverse("cases:setup_unit", args=[unit.pk]),
        {"name": "溪南物业公司", "kind": unit.kind, "area": unit.area_id, "phone": ""},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.active) == ("溪南物业公司", False)


def test_bad_unit_input_is_shown_on_the_form(admin_client: Any, world: CaseWorld) -> None:
    county = world.county
    for data in (
        {"name": "熟溪物业服务中心", "kind": "property", "area": county.community_a1.pk},  # name taken there
        {"name": "", "kind": "property", "area": county.community_a1.pk},
        {"name": "某单位", "kind": "spaceship", "area": county.community_a1.pk},
        {"name": "某单位", "kind": "property", "area": "999999"},
        {"name": "某单位", "kind": "property", "area": county.grid_a1_1.pk * 1000},
    ):
        response = admin_client.post(reverse("cases:setup_unit_new"), data)
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    assert HandlerUnit.objects.count() == 3
    assert admin_client.get(reverse("cases:setup_unit", args=[999999])).status_code == 404
    remove = reverse("cases:setup_unit_member_remove", args=[world.property_unit.pk, 999999])
    assert admin_client.post(remove).status_code == 404


def test_units_of_another_county_are_out_of_reach(admin_client: Any, world: CaseWorld) -> None:
    from shequ.registry import services as registry

    other = registry.create_area(
        code="330724000000", name="东阳市", level="district", parent=None, by=System("test")
    )
    unit = services.save_unit(by=System("test"), name="东阳市住建局", kind=UnitKind.DEPARTMENT, area=other)
    assert f'data-unit="{unit.pk}"' not in html(admin_client.get(reverse("cases:setup_units")))
    assert admin_client.get(reverse("cases:setup_unit", args=[unit.pk])).status_code == 404
    add = reverse("cases:setup_unit_member_add", args=[unit.pk])
    assert admin_client.post(add, {"username": world.dept_handler.username}).status_code == 404
    assert not UnitMember.objects.filter(unit=unit).exists()
    # Nor may a unit be moved there.
    response = admin_client.post(
        reverse("cases:setup_unit", args=[world.department.pk]),
        {"name": world.department.name, "kind": world.department.kind, "area": other.pk, "active": "on"},
    )
    assert response.status_code == 200 and response.context["form"].errors["area"]
    world.department.refresh_from_db()
    assert world.department.area == world.county.district


# --- Open311 clients ----------------------------------------------------------------------------


def test_a_new_client_key_is_shown_once_and_only_its_digest_is_stored(
    admin_client: Any, world: CaseWorld
) -> None:
    response = admin_client.post(reverse("cases:setup_open311"), {"name": "12345热线"})
    client = Open311Client.objects.get(name="12345热线")
    key_url = reverse("cases:setup_open311_key", args=[client.pk])
    assert response.status_code == 302 and response["Location"] == key_url
    first = admin_client.get(key_url)
    key = first.context["key"]
    assert key and len(key) >= 40
    assert f'value="{key}"' in html(first)
    assert "no-store" in first["Cache-Control"] or "no-cache" in first["Cache-Control"]
    # Only the digest and an 8-character prefix are stored.
    assert client.key_digest == hashlib.sha256(key.encode()).hexdigest()
    assert client.key_prefix == key[:8]
    stored = " ".join(str(v) for v in Open311Client.objects.filter(pk=client.pk).values().first().values())
    assert key not in stored
    assert services.client_for_key(key) == client
    # Shown once: the next visit (a reload, the back button) cannot show it again.
    second = admin_client.get(key_url)
    assert second.status_code == 200 and second.context["key"] is None and key not in html(second)
    assert key not in html(admin_client.get(reverse("cases:setup_open311")))
    event = AuditEvent.objects.get(action="open311_client:create")
    assert key not in str(event.extra) and key not in event.target_label


def test_a_client_is_switched_off_and_its_key_stops_working(
    admin_client: Any, world: CaseWorld, en: None
) -> None:
    client, key = services.create_open311_key(by=System("test"), name="城市App")
    url = reverse("cases:setup_open311_deactivate", args=[client.pk])
    first = admin_client.post(url, follow=True)
    assert [str(m) for m in first.context["messages"]] == [
        "Client “城市App” switched off; its key no longer works."
    ]
    client.refresh_from_db()
    assert client.active is False and services.client_for_key(key) is None
    assert (
        AuditEvent.objects.filter(action="open311_client:deactivate", target_id=str(client.pk)).count() == 1
    )
    again = admin_client.post(url, follow=True)
    assert again.status_code == 200
    assert [str(m) for m in again.context["messages"]] == ["This client is already switched off."]
    assert admin_client.get(url).status_code == 405


def test_bad_client_input_is_shown_on_the_form(admin_client: Any, world: CaseWorld) -> None:
    services.create_open311_key(by=System("test"), name="12345热线")
    for data in ({"name": "12345热线"}, {"name": ""}, {"name": "x" * 65}, {}):
        response = admin_client.post(reverse("cases:setup_open311"), data)
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    assert Open311Client.objects.count() == 1
    assert admin_client.get(reverse("cases:setup_open311_key", args=[999999])).status_code == 404
    assert admin_client.post(reverse("cases:setup_open311_deactivate", args=[999999])).status_code == 404
