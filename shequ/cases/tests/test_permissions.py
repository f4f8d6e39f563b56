"""The permission matrix of the cases API (DESIGN rule 1): every endpoint and verb × every role ×
a case in scope and one out of it.

Expectations come from the role table (`ROLE_PERMISSIONS`, the documented contract), the node
each user is assigned at, unit membership and who reported a case, never from the selectors or
predicates under test:

- a case is visible to staff whose `view_cases` node contains it, to members of its lead and
  co-handling units, and to the user who reported it; anyone else gets 404, as for a missing case;
- managing verbs need `manage_cases` over the place, handling verbs membership of the lead unit,
  co-handling notes membership of a co-handling unit, verification `manage_cases` or
  `verify_cases` over the place, evaluation the reporter or a manager; anyone else who sees the
  case gets 403 `forbidden`, whatever its status;
- a refused write changes nothing: not the case row, not its file, not the audit log.

The counties and cases are built once per module in a transaction rolled back at the end; each
test runs in a savepoint on top of it and reads rows afresh from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from shequ.accounts.models import User
from shequ.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from shequ.audit.models import AuditEvent
from shequ.cases import services
from shequ.cases.models import (
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseStatus,
    CaseWarning,
    HandlerUnit,
    Level,
    Source,
    UnitKind,
)
from shequ.cases.testing import build_case_world, first_building, photo
from shequ.core import codes
from shequ.core.actors import System
from shequ.places.models import Area
from shequ.registry import services as registry
from shequ.testing import build_county, make_user, square

pytestmark = pytest.mark.django_db

API = "/api/v1"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
INSIDE_POINT = {"lat": "28.905", "long": "119.805"}  # grid a1-1
OUTSIDE_POINT = {"lat": "29.205", "long": "119.405"}  # the other county's grid


@dataclass(frozen=True)
class Actor:
    role: str
    node: str | None  # attribute of the County (or "outside_*"), None: everything
    unit: str | None = None  # the handler unit they belong to


# Every role, and for some roles a second user elsewhere, so that "in scope" differs between them.
ACTORS: dict[str, Actor] = {
    "admin": Actor(Role.ADMIN, None),
    "district_admin": Actor(Role.DISTRICT_ADMIN, "district"),
    "street_admin": Actor(Role.STREET_ADMIN, "street_a"),
    "street_admin_b": Actor(Role.STREET_ADMIN, "street_b"),
    "community_head": Actor(Role.COMMUNITY_HEAD, "community_a1"),
    "community_worker": Actor(Role.COMMUNITY_WORKER, "community_a1"),
    "community_worker_b": Actor(Role.COMMUNITY_WORKER, "community_b1"),
    "grid_leader": Actor(Role.GRID_LEADER, "grid_a1_1"),
    "grid_worker": Actor(Role.GRID_WORKER, "grid_a1_1"),
    "grid_worker_a1_2": Actor(Role.GRID_WORKER, "grid_a1_2"),
    "building_leader": Actor(Role.BUILDING_LEADER, "grid_a1_1"),
    "handler": Actor(Role.HANDLER, "community_a1", unit="property"),
    "dept_handler": Actor(Role.HANDLER, "district", unit="department"),
    "other_handler": Actor(Role.HANDLER, "community_b1", unit="other"),
    "volunteer": Actor(Role.VOLUNTEER, "community_a1"),
    "resident": Actor(Role.RESIDENT, "grid_a1_1"),  # reported the cases inside
    "resident_b": Actor(Role.RESIDENT, "grid_b1_1"),
}

# Cases at each step, inside grid a1-1 and in another county, keyed by what a verb needs.
STEPS = ["reported", "accepted", "dispatched", "handling", "replied", "to_evaluate", "suspended"]


def test_the_matrix_covers_every_role() -> None:
    assert {a.role for a in ACTORS.values()} == set(Role.values)


@dataclass
class Data:
    cases: dict[tuple[str, str], int]  # (where, step) → case id
    users: dict[str, int]
    units: dict[str, int]
    paths: dict[str, str]  # node name → area path
    areas: dict[str, str]  # "inside"/"outside" → community code


def build_outside() -> dict[str, Any]:
    """A second county with one grid, one building and one unit, outside the district."""
    lanxi = registry.create_area(
        code="330781000000", name="兰溪市", level="district", parent=None, by=System("test")
    )
    street = registry.create_area(
        code="330781001000", name="云山街道", level="street", parent=lanxi, by=System("test")
    )
    community = registry.create_area(
        code="330781001001", name="桃花坞社区", level="community", parent=street, by=System("test")
    )
    grid = registry.create_grid(
        community=community,
        sequence=1,
        name="桃花坞第一网格",
        boundary=square(119.40, 29.20, 0.01),
        by=System("test"),
    )
    building = registry.create_building(
        community=community,
        grid=grid,
        name="1幢",
        estate="桃花坞小区",
        address="兰溪市桃花坞小区1幢",
        by=System("test"),
    )
    unit = services.save_unit(by=System("test"), name="桃花坞物业", kind=UnitKind.PROPERTY, area=community)
    return {"community": community, "grid": grid, "building": building, "unit": unit}


def walk(case: Case, step: str, unit: HandlerUnit, co_units: list[HandlerUnit]) -> Case:
    """Take a case to `step` as the system (System("test")), so no role's rules are involved."""
    order = STEPS.index(step) if step != "suspended" else STEPS.index("handling")
    if order >= 1:
        case = services.accept_case(case, by=System("test"))
    if order >= 2:
        case = services.dispatch_case(case, by=System("test"), unit=unit, co_units=co_units)
    if order >= 3:
        case = services.take_case(case, by=System("test"))
    if order >= 4:
        case = services.reply_case(case, by=System("test"), note="已处理", photo_files=[photo()])
    if order >= 5:
        case = services.verify_case(case, by=System("test"), passed=True)
    if step == "suspended":
        case = services.suspend_case(case, by=System("test"), reason="等待")
    return case


@pytest.fixture(scope="module")
def data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Data]:
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        codes.clear_cache()
        county = build_county()
        world = build_case_world(county)
        outside = build_outside()
        units = {
            "property": world.property_unit,
            "department": world.department,
            "other": world.other_unit,
            "outside": outside["unit"],
        }
        existing = {
            "admin": world.admin,
            "district_admin": world.district_admin,
            "street_admin": world.street_admin,
            "community_worker": world.worker,
            "community_worker_b": world.outsider,
            "grid_worker": world.grid_worker,
            "handler": world.handler,
            "dept_handler": world.dept_handler,
        }
        users: dict[str, User] = {}
        for name, actor in ACTORS.items():
            if name in existing:
                users[name] = existing[name]
                continue
            users[name] = make_user(actor.role, getattr(county, actor.node) if actor.node else None)
            if actor.unit:
                services.add_unit_member(by=System("test"), unit=units[actor.unit], user=users[name])
        cases = {}
        for step in STEPS:
            inside = services.report_case(
                by=users["resident"],
                category=world.category,
                description="楼下垃圾堆放三天无人清运",
                source=Source.API,
                building=first_building(world),
                photo_files=[photo()],
            )
            cases[("inside", step)] = walk(inside, step, world.property_unit, [world.department]).pk
            out = services.report_case(
                by=System("test"),
                category=world.category,
                description="小区门口垃圾堆放",
                source=Source.HOTLINE,
                building=outside["building"],
                reporter_phone="13900000001",
                photo_files=[photo()],
            )
            cases[("outside", step)] = walk(out, step, outside["unit"], []).pk
        paths = {
            name: getattr(county, name).path
            for name in ("district", "street_a", "street_b", "community_a1", "community_b1")
        }
        paths.update({g: getattr(county, g).path for g in ("grid_a1_1", "grid_a1_2", "grid_b1_1")})
        yield Data(
            cases=cases,
            users={name: u.pk for name, u in users.items()},
            units={k: u.pk for k, u in units.items()},
            paths=paths,
            areas={"inside": county.community_a1.code, "outside": outside["community"].code},
        )
        transaction.set_rollback(True)
    codes.clear_cache()


@dataclass
class Who:
    """One actor and the contract of what they may see and do."""

    name: str
    actor: Actor
    user: User
    data: Data

    @property
    def node_path(self) -> str | None:
        return self.data.paths[self.actor.node] if self.actor.node else None

    @property
    def unit_id(self) -> int | None:
        return self.data.units[self.actor.unit] if self.actor.unit else None

    def may(self, perm: Perm) -> bool:
        return perm in ROLE_PERMISSIONS[self.actor.role]

    def covers(self, perm: Perm, path: str) -> bool:
        return self.may(perm) and (self.node_path is None or path.startswith(self.node_path))

    def sees(self, case: Case) -> bool:
        units = {case.lead_unit_id, *case.co_units.values_list("pk", flat=True)}
        return (
            self.covers(Perm.VIEW_CASES, case.area_path)
            or (self.unit_id is not None and self.unit_id in units)
            or case.reporter_id == self.user.pk
        )

    def allowed(self, kind: str, case: Case) -> bool:
        manage = self.covers(Perm.MANAGE_CASES, case.area_path)  # every case here is at community level
        return {
            "manage": manage,
            "handle": self.unit_id is not None and self.unit_id == case.lead_unit_id,
            "assist": self.unit_id is not None and case.co_units.filter(pk=self.unit_id).exists(),
            "verify": manage or self.covers(Perm.VERIFY_CASES, case.area_path),
            "evaluate": manage or case.reporter_id == self.user.pk,
            "view": True,
        }[kind]

    def sees_unit(self, unit: HandlerUnit) -> bool:
        if self.unit_id == unit.pk:
            return True
        if not (self.may(Perm.VIEW_CASES) or self.may(Perm.CONFIGURE)):
            return False
        node = self.node_path
        return node is None or unit.area_path.startswith(node) or node.startswith(unit.area_path)

    def client(self) -> APIClient:
        _instance, token_key = AuthToken.objects.create(user=self.user)
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
        return client


@pytest.fixture(params=list(ACTORS))
def who(request: Any, data: Data, db: Any) -> Who:
    return Who(request.param, ACTORS[request.param], User.objects.get(pk=data.users[request.param]), data)


def case_at(data: Data, where: str, step: str) -> Case:
    return Case.objects.get(pk=data.cases[(where, step)])


def rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


# --- reads ------------------------------------------------------------------------------------


def test_case_list_holds_exactly_what_is_in_reach(who: Who) -> None:
    expected = {c.pk for c in Case.objects.all() if who.sees(c)}
    listed = rows(who.client().get(f"{API}/cases/", {"page_size": 500}))
    assert {r["id"] for r in listed} == expected
    assert len(listed) == len(expected)


@pytest.mark.parametrize("where", ["inside", "outside"])
@pytest.mark.parametrize("step", STEPS)
def test_case_detail_file_and_photos_follow_reach(who: Who, where: str, step: str) -> None:
    case = case_at(who.data, where, step)
    expected = 200 if who.sees(case) else 404
    client = who.client()
    detail = client.get(f"{API}/cases/{case.pk}/")
    assert detail.status_code == expected, detail.content
    assert client.get(f"{API}/cases/{case.number}/").status_code == expected
    assert client.get(f"{API}/cases/{case.pk}/events/").status_code == expected
    photo_of_report = CaseAttachment.objects.filter(case=case, event__action="report").get()
    response = client.get(f"{API}/cases/{case.pk}/attachments/{photo_of_report.pk}/")
    assert response.status_code == expected
    if expected == 404:
        assert set(detail.json()) == {"code", "detail", "fields"}
    else:
        assert b"13900000001" not in detail.content


def test_figures_count_exactly_what_is_in_reach(who: Who) -> None:
    expected = sum(1 for c in Case.objects.all() if who.sees(c))
    body = who.client().get(f"{API}/case-figures/", {"by": "unit"})
    assert body.status_code == 200
    assert body.json()["total"]["reported"] == expected
    assert sum(r["reported"] for r in body.json()["rows"]) == expected


def test_warnings_follow_the_view_scope(who: Who) -> None:
    warnings = list(CaseWarning.objects.all())
    assert {w.area_path[:6] for w in warnings} == {"330723", "330781"}  # hot spots on both sides
    expected = {w.pk for w in warnings if who.covers(Perm.VIEW_CASES, w.area_path)}
    client = who.client()
    assert {r["id"] for r in rows(client.get(f"{API}/case-warnings/", {"page_size": 500}))} == expected
    for warning in warnings:
        status = client.get(f"{API}/case-warnings/{warning.pk}/").status_code
        assert status == (200 if warning.pk in expected else 404)


def test_handler_units_follow_reach_and_members_need_configure(who: Who) -> None:
    units = list(HandlerUnit.objects.all())
    expected = {u.pk for u in units if who.sees_unit(u)}
    listed = rows(who.client().get(f"{API}/handler-units/", {"page_size": 500}))
    assert {r["id"] for r in listed} == expected
    for row in listed:
        unit = HandlerUnit.objects.get(pk=row["id"])
        shows_members = row["members"] is not None
        assert shows_members == who.covers(Perm.CONFIGURE, unit.area_path)
    for unit in units:
        status = who.client().get(f"{API}/handler-units/{unit.pk}/").status_code
        assert status == (200 if unit.pk in expected else 404)


def test_everyone_signed_in_reads_the_category_tree(who: Who) -> None:
    tree = rows(who.client().get(f"{API}/case-categories/"))
    assert {c["code"] for c in tree} == set(
        CaseCategory.objects.filter(parent=None, active=True).values_list("code", flat=True)
    )


# --- the verbs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verb:
    name: str
    step: str
    kind: str
    payload: Callable[[Data, str], dict[str, Any]]
    done: Callable[[Case, Case], bool]  # (before, after)


def events(case: Case, action: str) -> int:
    return CaseEvent.objects.filter(case=case, action=action).count()


VERBS = [
    Verb("accept", "reported", "manage", lambda d, w: {}, lambda b, a: a.status == CaseStatus.ACCEPTED),
    Verb(
        "refuse",
        "reported",
        "manage",
        lambda d, w: {"reason": "不属于受理范围"},
        lambda b, a: a.status == CaseStatus.REFUSED,
    ),
    Verb(
        "escalate",
        "reported",
        "manage",
        lambda d, w: {"reason": "需要街道协调"},
        lambda b, a: a.level == Level.STREET,
    ),
    Verb(
        "merge",
        "reported",
        "manage",
        lambda d, w: {"into": Case.objects.get(pk=d.cases[(w, "accepted")]).number},
        lambda b, a: a.status == CaseStatus.MERGED,
    ),
    Verb(
        "correct",
        "reported",
        "manage",
        lambda d, w: {"reason": "紧急程度有误", "urgency": "urgent"},
        lambda b, a: a.urgency == "urgent",
    ),
    Verb(
        "dispatch",
        "accepted",
        "manage",
        lambda d, w: {"unit": d.units["property" if w == "inside" else "outside"]},
        lambda b, a: a.status == CaseStatus.DISPATCHED,
    ),
    Verb("take", "dispatched", "handle", lambda d, w: {}, lambda b, a: a.status == CaseStatus.HANDLING),
    Verb(
        "return",
        "handling",
        "handle",
        lambda d, w: {"reason": "不属于本单位职责"},
        lambda b, a: a.status == CaseStatus.ACCEPTED,
    ),
    Verb(
        "reply",
        "handling",
        "handle",
        lambda d, w: {"note": "已清运"},
        lambda b, a: a.status == CaseStatus.REPLIED,
    ),
    Verb(
        "assist",
        "handling",
        "assist",
        lambda d, w: {"note": "已协调"},
        lambda b, a: events(a, "assist") == b.events_before["assist"] + 1,
    ),
    Verb(
        "suspend",
        "handling",
        "manage",
        lambda d, w: {"reason": "等待天气好转"},
        lambda b, a: a.status == CaseStatus.SUSPENDED,
    ),
    Verb(
        "supervise",
        "handling",
        "manage",
        lambda d, w: {"note": "本周内办结"},
        lambda b, a: a.supervise_count == b.supervise_count + 1,
    ),
    Verb(
        "comment",
        "handling",
        "view",
        lambda d, w: {"note": "已电话联系"},
        lambda b, a: events(a, "comment") == b.events_before["comment"] + 1,
    ),
    Verb("resume", "suspended", "manage", lambda d, w: {}, lambda b, a: a.status == CaseStatus.HANDLING),
    Verb(
        "verify",
        "replied",
        "verify",
        lambda d, w: {"passed": True},
        lambda b, a: a.status == CaseStatus.TO_EVALUATE,
    ),
    Verb(
        "evaluate",
        "to_evaluate",
        "evaluate",
        lambda d, w: {"satisfaction": "satisfied"},
        lambda b, a: a.status == CaseStatus.CLOSED,
    ),
]


def snapshot(case: Case) -> tuple[Any, ...]:
    row = Case.objects.filter(pk=case.pk).values().get()
    return (
        row,
        tuple(Case.objects.get(pk=case.pk).co_units.values_list("pk", flat=True)),
        CaseEvent.objects.filter(case=case).count(),
        CaseAttachment.objects.filter(case=case).count(),
        AuditEvent.objects.count(),
    )


def test_every_verb_is_in_the_matrix() -> None:
    from shequ.cases.api import CaseViewSet

    actions = {a.url_path for a in CaseViewSet.get_extra_actions() if "post" in a.mapping}
    assert actions == {v.name for v in VERBS}


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: v.name)
@pytest.mark.parametrize("where", ["inside", "outside"])
def test_verbs_follow_role_unit_and_scope(who: Who, verb: Verb, where: str) -> None:
    case = case_at(who.data, where, verb.step)
    before = snapshot(case)
    case.events_before = {a: events(case, a) for a in ("assist", "comment")}  # type: ignore[attr-defined]
    response = who.client().post(
        f"{API}/cases/{case.pk}/{verb.name}/", verb.payload(who.data, where), format="json"
    )
    if not who.sees(case):
        expected = 404
    elif not who.allowed(verb.kind, case):
        expected = 403
    else:
        expected = 200
    assert response.status_code == expected, response.content
    if expected == 200:
        assert verb.done(case, Case.objects.get(pk=case.pk))
        return
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}
    assert body["code"] == ("forbidden" if expected == 403 else "not_found")
    assert snapshot(case) == before


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_nothing_is_edited_or_deleted_by_anyone(who: Who, where: str) -> None:
    case = case_at(who.data, where, "handling")
    before = snapshot(case)
    client = who.client()
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(f"{API}/cases/{case.pk}/", {}, format="json").status_code == 405
        assert getattr(client, method)(f"{API}/cases/{case.pk}/events/", {}, format="json").status_code == 405
    assert snapshot(case) == before


# --- reporting --------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["inside", "outside"])
@pytest.mark.parametrize("source", ["api", "hotline"])
def test_reporting_follows_role_and_scope(who: Who, where: str, source: str) -> None:
    point = INSIDE_POINT if where == "inside" else OUTSIDE_POINT
    payload = {
        "category": "sanitation.garbage",
        "description": "路灯不亮已经一周",
        "source": source,
        **point,
    }
    count, audits = Case.objects.count(), AuditEvent.objects.count()
    response = who.client().post(f"{API}/cases/", payload, format="json")
    path = who.data.paths["grid_a1_1"] if where == "inside" else "330781"
    if not who.may(Perm.REPORT_CASES):
        expected, code = 403, "forbidden"
    elif source == "api":
        expected, code = 201, ""
    elif not who.may(Perm.VIEW_CASES):  # residents, volunteers, building leaders are not staff
        expected, code = 400, "invalid"
    elif who.covers(Perm.REPORT_CASES, path):
        expected, code = 201, ""
    else:
        expected, code = 403, "forbidden"
    assert response.status_code == expected, response.content
    if expected == 201:
        assert Case.objects.count() == count + 1
        created = Case.objects.get(pk=response.json()["id"])
        assert created.reporter_id == who.user.pk and created.source == source
        return
    assert response.json()["code"] == code
    assert (Case.objects.count(), AuditEvent.objects.count()) == (count, audits)


# --- configuration ----------------------------------------------------------------------------


def test_creating_a_category_needs_configure(who: Who) -> None:
    count = CaseCategory.objects.count()
    payload = {"code": "sanitation.new", "name": "新类别", "parent": "sanitation"}
    response = who.client().post(f"{API}/case-categories/", payload, format="json")
    if who.may(Perm.CONFIGURE):
        assert response.status_code == 201, response.content
        assert CaseCategory.objects.count() == count + 1
    else:
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
        assert CaseCategory.objects.count() == count


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_changing_a_unit_follows_configure_and_scope(who: Who, where: str) -> None:
    unit = HandlerUnit.objects.get(pk=who.data.units["property" if where == "inside" else "outside"])
    response = who.client().patch(f"{API}/handler-units/{unit.pk}/", {"phone": "0579-0000"}, format="json")
    if not who.may(Perm.CONFIGURE):
        expected = 403  # refused before any lookup: says nothing about the unit
    elif not who.sees_unit(unit):
        expected = 404
    elif not who.covers(Perm.CONFIGURE, unit.area_path):
        expected = 403
    else:
        expected = 200
    assert response.status_code == expected, response.content
    unit.refresh_from_db()
    assert (unit.phone == "0579-0000") == (expected == 200)


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_creating_a_unit_follows_configure_and_scope(who: Who, where: str) -> None:
    area = Area.objects.get(code=who.data.areas[where])
    count = HandlerUnit.objects.count()
    payload = {"name": "新物业", "kind": "property", "area": area.code}
    response = who.client().post(f"{API}/handler-units/", payload, format="json")
    if not who.may(Perm.CONFIGURE):
        expected = 403
    elif who.covers(Perm.CONFIGURE, area.path):
        expected = 201
    else:  # the area is outside their places: it does not exist for them
        expected = 400
    assert response.status_code == expected, response.content
    assert HandlerUnit.objects.count() == count + (1 if expected == 201 else 0)


# --- anonymous --------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: v.name)
def test_anonymous_gets_401_and_changes_nothing(data: Data, db: Any, verb: Verb) -> None:
    case = case_at(data, "inside", verb.step)
    before = snapshot(case)
    response = APIClient().post(
        f"{API}/cases/{case.pk}/{verb.name}/", verb.payload(data, "inside"), format="json"
    )
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert snapshot(case) == before


@pytest.mark.parametrize(
    "url", ["cases/", "case-categories/", "handler-units/", "case-figures/", "case-warnings/"]
)
def test_anonymous_reads_get_401(data: Data, db: Any, url: str) -> None:
    assert APIClient().get(f"{API}/{url}").status_code == 401
    case = case_at(data, "inside", "reported")
    assert APIClient().get(f"{API}/cases/{case.pk}/").status_code == 401
