"""The permission matrix of the registry API (DESIGN rule 1): every endpoint × every role.

Expectations come from the role table (`ROLE_PERMISSIONS`, the documented contract) and the
path of the node each user is assigned at, never from the selectors under test. A second
county outside the district gives even the district admin something out of scope.

The county is built once per module inside a transaction that is rolled back at the end; each
test runs in a savepoint on top of it (as Django's `setUpTestData`), so the ~400 cases stay fast.
Tests read rows afresh from the database, never from the shared objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Model
from django.test import override_settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from shequ.accounts.models import User
from shequ.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from shequ.audit.models import AuditEvent
from shequ.core import codes
from shequ.core.actors import System
from shequ.core.idnumber import make as make_id
from shequ.places.models import Area, Grid, MicroGrid
from shequ.registry import pii
from shequ.registry import services as registry
from shequ.registry.models import (
    Building,
    Dwelling,
    Household,
    LifeEvent,
    Organization,
    Resident,
    ResidentStatus,
    ResidentTag,
    TagType,
)
from shequ.testing import County, add_resident, build_county, make_user, square

pytestmark = pytest.mark.django_db

API = "/api/v1"
QUERY_BOUND = 10  # token, assignments, count, page, tags, and each code table once

# Where each role is assigned: every role, at a node where the county has rows both inside and
# outside its scope.
ROLE_NODES: dict[str, str | None] = {
    Role.ADMIN: None,
    Role.DISTRICT_ADMIN: "district",
    Role.STREET_ADMIN: "street_a",
    Role.COMMUNITY_HEAD: "community_a1",
    Role.COMMUNITY_WORKER: "community_a1",
    Role.GRID_LEADER: "grid_a1_1",
    Role.GRID_WORKER: "grid_a1_1",
    Role.BUILDING_LEADER: "grid_a1_1",
    Role.HANDLER: "community_a1",
    Role.VOLUNTEER: "community_a1",
    Role.RESIDENT: "grid_a1_1",
}
ROLES = list(ROLE_NODES)


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_matrix_covers_every_role() -> None:
    assert set(ROLES) == set(Role.values)


@dataclass
class World:
    county: County  # shared across the module: use only its codes, paths and ids
    inside: Resident  # 张伟, in grid_a1_1: inside every role's node
    outside: Resident  # 陈静, in another district: out of everyone's scope but the admin's
    inside_grid: Grid
    outside_grid: Grid
    user: User
    node_path: str | None  # None: everything

    def may(self, perm: Perm) -> bool:
        return perm in ROLE_PERMISSIONS[self.user.assignments.get().role]

    def covers(self, path: str) -> bool:
        return self.node_path is None or path.startswith(self.node_path)

    def is_ancestor(self, path: str) -> bool:
        if self.node_path is None:
            return False
        parts = self.node_path.split(".")
        return path in {".".join(parts[:i]) for i in range(1, len(parts) + 1)}

    def sees(self, perm: Perm, path: str, *, with_ancestors: bool = False) -> bool:
        return self.may(perm) and (self.covers(path) or (with_ancestors and self.is_ancestor(path)))

    def client(self) -> APIClient:
        _instance, token_key = AuthToken.objects.create(user=self.user)
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
        return client


def build_outside() -> tuple[Resident, Grid]:
    """A second county with one of everything, outside the district of `build_county()`."""
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
    registry.create_micro_grid(grid=grid, sequence=1, name="桃花坞1号微网格", by=System("test"))
    building = registry.create_building(
        community=community,
        grid=grid,
        name="1幢",
        estate="桃花坞小区",
        address="兰溪市桃花坞小区1幢",
        by=System("test"),
    )
    dwelling, _ = registry.get_or_create_dwelling(building=building, unit="1", room="101")
    household = registry.create_household(
        community=community, number="HL1", by=System("test"), dwelling=dwelling
    )
    resident = add_resident(
        dwelling, "陈静", birth=dt.date(1975, 6, 1), sequence=7, household=household, phone="13900000007"
    )
    for tag in ("elderly_alone", "dibao"):
        registry.add_tag(resident, tag=TagType.objects.get(code=tag), by=System("test"))
    return resident, grid


def add_organisations() -> None:
    for community in Area.objects.filter(level="community"):
        grid = community.grids.first()
        Organization.objects.create(
            name=f"{community.name}物业",
            kind="property",
            community=community,
            grid=grid,
            area_path=grid.path if grid else community.path,
        )


@dataclass
class Data:
    county: County
    outside_pk: int
    outside_grid_pk: int
    users: dict[str, int]


@pytest.fixture(scope="module")
def data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Data]:
    """Both counties and one user per role, built once and rolled back after the module."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        codes.clear_cache()
        county = build_county()
        outside, outside_grid = build_outside()
        add_organisations()
        users = {}
        for role, node_name in ROLE_NODES.items():
            users[role] = make_user(role, getattr(county, node_name) if node_name else None).pk
        yield Data(county, outside.pk, outside_grid.pk, users)
        transaction.set_rollback(True)
    codes.clear_cache()


@pytest.fixture(params=ROLES)
def world(request: Any, data: Data, db: Any) -> World:
    node_name = ROLE_NODES[request.param]
    node = getattr(data.county, node_name) if node_name else None
    return World(
        county=data.county,
        inside=Resident.objects.get(pk=data.county.residents["a11"].pk),
        outside=Resident.objects.get(pk=data.outside_pk),
        inside_grid=Grid.objects.get(pk=data.county.grid_a1_1.pk),
        outside_grid=Grid.objects.get(pk=data.outside_grid_pk),
        user=User.objects.get(pk=data.users[request.param]),
        node_path=node.path if node is not None else None,
    )


# --- reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    url: str
    model: type[Model]
    perm: Perm
    path: Callable[[Any], str]
    key: str = "id"
    with_ancestors: bool = False

    def key_of(self, obj: Any) -> Any:
        return getattr(obj, "pk" if self.key == "id" else self.key)


ENDPOINTS = [
    Endpoint("areas", Area, Perm.VIEW_PLACES, lambda o: o.path, with_ancestors=True),
    Endpoint("grids", Grid, Perm.VIEW_PLACES, lambda o: o.path, with_ancestors=True),
    Endpoint("micro-grids", MicroGrid, Perm.VIEW_PLACES, lambda o: o.path),
    Endpoint("buildings", Building, Perm.VIEW_PLACES, lambda o: o.area_path),
    Endpoint("organisations", Organization, Perm.VIEW_PLACES, lambda o: o.area_path),
    Endpoint("dwellings", Dwelling, Perm.VIEW_RESIDENTS, lambda o: o.area_path),
    Endpoint("households", Household, Perm.VIEW_RESIDENTS, lambda o: o.area_path),
    Endpoint("residents", Resident, Perm.VIEW_RESIDENTS, lambda o: o.area_path),
]


def rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.url)
def test_list_and_detail_show_only_what_is_in_scope(world: World, endpoint: Endpoint) -> None:
    client = world.client()
    everything = list(endpoint.model.objects.all())
    expected = {
        endpoint.key_of(o)
        for o in everything
        if world.sees(endpoint.perm, endpoint.path(o), with_ancestors=endpoint.with_ancestors)
    }
    listed = rows(client.get(f"{API}/{endpoint.url}/", {"page_size": 500}))
    assert {r[endpoint.key] for r in listed} == expected
    assert len(listed) == len(expected)
    if world.node_path is not None:
        assert world.outside.pk not in expected or endpoint.model is not Resident
    for obj in everything:
        response = client.get(f"{API}/{endpoint.url}/{endpoint.key_of(obj)}/")
        assert response.status_code == (200 if endpoint.key_of(obj) in expected else 404), (
            obj,
            response.content,
        )


def test_tag_types_follow_the_key_population_permission(world: World) -> None:
    client = world.client()
    may_see_restricted = world.may(Perm.VIEW_KEY_POPULATIONS)
    expected = {t.code for t in TagType.objects.all() if may_see_restricted or not t.restricted}
    assert {t["code"] for t in rows(client.get(f"{API}/tags/"))} == expected
    assert client.get(f"{API}/tags/dibao/").status_code == (200 if may_see_restricted else 404)
    assert client.get(f"{API}/tags/elderly_alone/").status_code == 200


def test_resident_reads_mask_numbers_and_hide_restricted_tags(world: World) -> None:
    client = world.client()
    list_body = client.get(f"{API}/residents/", {"page_size": 500}).content
    for resident in Resident.objects.all():
        assert pii.plaintext_id_number(resident).encode() not in list_body
        assert pii.plaintext_phone(resident).encode() not in list_body
    expected_tags = {"elderly_alone", "dibao"} if world.may(Perm.VIEW_KEY_POPULATIONS) else {"elderly_alone"}
    for row in rows(client.get(f"{API}/residents/", {"page_size": 500})):
        assert {t["code"] for t in row["tags"]} == expected_tags
    # a restricted tag cannot even be asked for by those who may not see it
    response = client.get(f"{API}/residents/", {"tag": "dibao"})
    assert response.status_code == (200 if world.may(Perm.VIEW_KEY_POPULATIONS) else 400)


def test_geojson_holds_only_grids_in_scope(world: World) -> None:
    body = world.client().get(f"{API}/grids/geojson/").json()
    expected = {
        g.code
        for g in Grid.objects.all()
        if g.boundary and world.sees(Perm.VIEW_PLACES, g.path, with_ancestors=True)
    }
    assert {f["properties"]["code"] for f in body["features"]} == expected


# --- writes on one object ---------------------------------------------------------------------


def expected_status(world: World, *, view: Perm, perm: Perm, path: str, success: int) -> int:
    """Not visible → 404 (as if missing); visible but not allowed here → 403."""
    if not world.sees(view, path):
        return 404
    return success if world.sees(perm, path) else 403


def snapshot(resident: Resident) -> tuple[Any, ...]:
    resident.refresh_from_db()
    tags = tuple(sorted(ResidentTag.objects.filter(resident=resident).values_list("tag__code", flat=True)))
    return (
        resident.notes,
        resident.status,
        resident.updated_at,
        tags,
        LifeEvent.objects.filter(resident=resident).count(),
        AuditEvent.objects.filter(action="resident:reveal").count(),
    )


@dataclass(frozen=True)
class ResidentWrite:
    name: str
    method: str
    suffix: str
    payload: dict[str, Any] | None
    perm: Perm
    success: int
    changed: Callable[[Resident], bool]


TODAY = "today"
RESIDENT_WRITES = [
    ResidentWrite(
        "update", "patch", "", {"notes": "改过"}, Perm.CHANGE_REGISTRY, 200, lambda r: r.notes == "改过"
    ),
    ResidentWrite(
        "reveal",
        "post",
        "reveal/",
        {"purpose": "verify_identity", "note": "核实身份信息"},
        Perm.REVEAL_PII,
        200,
        lambda r: AuditEvent.objects.filter(action="resident:reveal", target_id=str(r.pk)).exists(),
    ),
    ResidentWrite(
        "life_event",
        "post",
        "life-events/",
        {"kind": "move_out", "date": TODAY},
        Perm.CHANGE_REGISTRY,
        201,
        lambda r: r.status == ResidentStatus.MOVED_OUT,
    ),
    ResidentWrite(
        "tag_add",
        "post",
        "tags/",
        {"tag": "veteran"},
        Perm.CHANGE_REGISTRY,
        201,
        lambda r: ResidentTag.objects.filter(resident=r, tag__code="veteran").exists(),
    ),
    ResidentWrite(
        "tag_remove",
        "delete",
        "tags/elderly_alone/",
        None,
        Perm.CHANGE_REGISTRY,
        204,
        lambda r: not ResidentTag.objects.filter(resident=r, tag__code="elderly_alone").exists(),
    ),
]


@pytest.mark.parametrize("write", RESIDENT_WRITES, ids=lambda w: w.name)
@pytest.mark.parametrize("where", ["inside", "outside"])
def test_resident_writes_follow_role_and_scope(world: World, write: ResidentWrite, where: str) -> None:
    resident = world.inside if where == "inside" else world.outside
    before = snapshot(resident)
    payload = write.payload and {
        k: (str(timezone.localdate()) if v == TODAY else v) for k, v in write.payload.items()
    }
    response = getattr(world.client(), write.method)(
        f"{API}/residents/{resident.pk}/{write.suffix}", payload, format="json"
    )
    expected = expected_status(
        world, view=Perm.VIEW_RESIDENTS, perm=write.perm, path=resident.area_path, success=write.success
    )
    assert response.status_code == expected, response.content
    if expected == write.success:
        resident.refresh_from_db()
        assert write.changed(resident)
    else:
        assert set(response.json()) == {"code", "detail", "fields"}
        assert snapshot(resident) == before


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_residents_are_never_deleted_by_anyone(world: World, where: str) -> None:
    resident = world.inside if where == "inside" else world.outside
    assert world.client().delete(f"{API}/residents/{resident.pk}/").status_code == 405
    assert Resident.objects.filter(pk=resident.pk).exists()


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_grid_boundary_change_follows_role_and_scope(world: World, where: str) -> None:
    grid = world.inside_grid if where == "inside" else world.outside_grid
    before = grid.boundary
    x, y = before["coordinates"][0][0]
    smaller = square(x, y, 0.008)
    response = world.client().patch(
        f"{API}/grids/{grid.pk}/", {"boundary": smaller, "reason": "调整"}, format="json"
    )
    expected = expected_status(
        world, view=Perm.VIEW_PLACES, perm=Perm.CHANGE_REGISTRY, path=grid.path, success=200
    )
    assert response.status_code == expected, response.content
    grid.refresh_from_db()
    assert grid.boundary == (smaller if expected == 200 else before)


# --- creating ---------------------------------------------------------------------------------


def create_payloads(world: World, where: str) -> dict[str, tuple[dict[str, Any], str]]:
    """What to create and the path it would land at."""
    if where == "inside":
        grid = world.inside_grid
        dwelling = world.inside.dwelling
    else:
        grid = world.outside_grid
        dwelling = world.outside.dwelling
    return {
        "residents": (
            {"name": "新居民", "grid": grid.code, "id_number": make_id("330723", dt.date(2001, 2, 3), 5)},
            grid.path,
        ),
        "buildings": ({"grid": grid.code, "name": "9幢", "address": "九幢"}, grid.path),
        "households": ({"dwelling": dwelling.pk, "number": "H-NEW"}, dwelling.area_path),
    }


MODELS = {"residents": Resident, "buildings": Building, "households": Household}


@pytest.mark.parametrize("url", list(MODELS))
@pytest.mark.parametrize("where", ["inside", "outside"])
def test_creating_follows_role_and_scope(world: World, url: str, where: str) -> None:
    payload, path = create_payloads(world, where)[url]
    count = MODELS[url].objects.count()
    response = world.client().post(f"{API}/{url}/", payload, format="json")
    if not world.may(Perm.CHANGE_REGISTRY):
        assert response.status_code == 403, response.content
    elif world.covers(path):
        assert response.status_code == 201, response.content
        assert MODELS[url].objects.count() == count + 1
        return
    else:  # the place is outside their scope: it does not exist for them
        assert response.status_code in (400, 403), response.content
    assert set(response.json()) == {"code", "detail", "fields"}
    assert MODELS[url].objects.count() == count


# --- anonymous --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", f"{API}/{e.url}/") for e in ENDPOINTS]
    + [
        ("get", f"{API}/tags/"),
        ("get", f"{API}/grids/geojson/"),
        ("post", f"{API}/residents/"),
        ("post", f"{API}/buildings/"),
        ("post", f"{API}/households/"),
    ],
)
def test_anonymous_gets_401(data: Data, db: Any, method: str, url: str) -> None:
    response = getattr(APIClient(), method)(url, {}, format="json" if method != "get" else None)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("write", RESIDENT_WRITES, ids=lambda w: w.name)
def test_anonymous_writes_change_nothing(data: Data, db: Any, write: ResidentWrite) -> None:
    resident = Resident.objects.get(pk=data.county.residents["a11"].pk)
    before = snapshot(resident)
    response = getattr(APIClient(), write.method)(
        f"{API}/residents/{resident.pk}/{write.suffix}", write.payload, format="json"
    )
    assert response.status_code == 401
    assert snapshot(resident) == before
    grid = Grid.objects.get(pk=data.county.grid_a1_1.pk)
    response = APIClient().patch(f"{API}/grids/{grid.pk}/", {"boundary": None}, format="json")
    assert response.status_code == 401
    grid.refresh_from_db()
    assert grid.boundary is not None


def test_anonymous_sees_no_detail(data: Data, db: Any) -> None:
    county = data.county
    for url in (
        f"{API}/residents/{county.residents['a11'].pk}/",
        f"{API}/grids/{county.grid_a1_1.pk}/",
        f"{API}/tags/elderly_alone/",
    ):
        assert APIClient().get(url).status_code == 401


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("rows_wanted", [5, 60])
def test_resident_list_makes_the_same_few_queries_for_any_page_length(
    data: Data, db: Any, settings: Any, django_assert_max_num_queries: Any, rows_wanted: int
) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS
    county = data.county
    dwelling = Resident.objects.get(pk=county.residents["a11"].pk).dwelling
    veteran = TagType.objects.get(code="veteran")
    for i in range(rows_wanted - len(county.residents)):
        resident = add_resident(
            dwelling,
            f"居民{i}",
            birth=dt.date(1960, 1, 1) + dt.timedelta(days=i),
            sequence=1,
            ethnicity="01",
            political_status="13",
        )
        registry.add_tag(resident, tag=veteran, by=System("test"))
    user = make_user(Role.DISTRICT_ADMIN, county.district)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    with django_assert_max_num_queries(QUERY_BOUND):
        response = client.get(f"{API}/residents/", {"page_size": 100})
    assert response.json()["count"] == rows_wanted
    with django_assert_max_num_queries(QUERY_BOUND):
        client.get(f"{API}/households/", {"page_size": 100})
    with django_assert_max_num_queries(QUERY_BOUND):
        client.get(f"{API}/buildings/", {"page_size": 100})
