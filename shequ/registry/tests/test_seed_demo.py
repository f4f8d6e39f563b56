"""The demo county: shape, geometry, valid personal numbers, determinism and the demo accounts."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from shapely.geometry import shape

from shequ.accounts.models import User
from shequ.core import idnumber
from shequ.places.models import Area, Grid, MicroGrid
from shequ.registry import pii
from shequ.registry.demo import geometry, names
from shequ.registry.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from shequ.registry.demo.units import credit_code
from shequ.registry.models import Building, Household, LifeEvent, Organization, Resident, ResidentTag

SEED, SCALE = 7, 2000


def seed(**options: Any) -> str:
    out = io.StringIO()
    call_command(
        "seed_demo", scale=options.pop("scale", SCALE), seed=options.pop("seed", SEED), stdout=out, **options
    )
    return out.getvalue()


@pytest.fixture
def fast_hashing(settings: Any) -> None:
    # The demo creates eleven accounts; the real PBKDF2 hasher would dominate these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db: Any, fast_hashing: None) -> str:
    return seed()


def test_seed_builds_a_county_of_streets_communities_grids_and_micro_grids(demo: str) -> None:
    levels = Counter(Area.objects.values_list("level", flat=True))
    assert levels == {"district": 1, "street": 2, "community": 3}
    district = Area.objects.get(level="district")
    assert (district.code, district.name, district.path) == ("330723000000", "武义县", "330723")
    assert Area.objects.filter(code="330723001000", name="壶山街道").exists()
    for community in Area.objects.filter(level="community"):
        assert community.parent is not None and community.path.startswith(community.parent.path + ".")
        assert community.households_planned and community.service_space_m2
    grids = list(Grid.objects.select_related("community"))
    assert len(grids) >= 6
    for grid in grids:
        assert len(grid.code) == 15 and grid.code.isdigit() and grid.code.startswith(grid.community.code)
        assert grid.path == f"{grid.community.path}.{grid.code[-3:]}"
    micro = list(MicroGrid.objects.select_related("grid"))
    assert len(micro) >= len(grids)
    assert all(m.code.startswith(m.grid.code) and m.path.startswith(m.grid.path + ".") for m in micro)
    assert all(m.name.endswith("微网格") and m.leader_name for m in micro)
    assert "Done" in demo and "residents" in demo
    assert 1800 <= Resident.objects.count() <= 2300


def _shapes(rows: Any) -> list[Any]:
    return [shape(b) for b in rows]


def test_boundaries_are_valid_inside_their_parent_and_do_not_overlap_siblings(demo: str) -> None:
    def check(parent: Any, children: list[Any]) -> None:
        for i, a in enumerate(children):
            assert a.is_valid and a.area > 0
            if parent is not None:
                assert a.difference(parent).area < 1e-12
            for b in children[i + 1 :]:
                assert a.intersection(b).area < 1e-12

    district = shape(Area.objects.get(level="district").boundary)
    check(district, _shapes(Area.objects.filter(level="street").values_list("boundary", flat=True)))
    for street in Area.objects.filter(level="street"):
        check(shape(street.boundary), _shapes(street.children.values_list("boundary", flat=True)))
    for community in Area.objects.filter(level="community"):
        check(shape(community.boundary), _shapes(community.grids.values_list("boundary", flat=True)))
    for grid in Grid.objects.all():
        check(shape(grid.boundary), _shapes(grid.micro_grids.values_list("boundary", flat=True)))
    for b in Building.objects.select_related("micro_grid")[:200]:
        assert b.micro_grid is not None
        assert shape(b.micro_grid.boundary).contains(
            shape({"type": "Point", "coordinates": [float(b.longitude), float(b.latitude)]})
        )


def test_lattice_for_a_city_has_no_overlaps() -> None:
    import random

    cells = geometry.lattice(random.Random(1), 200)
    shapes = [c.shape() for c in cells]
    assert len(cells) == 200
    union = shapes[0]
    for s in shapes[1:]:
        assert union.intersection(s).area < 1e-12
        union = union.union(s)
    assert abs(union.area - sum(s.area for s in shapes)) < 1e-9


def test_roads_run_between_the_communities_with_one_name_per_street(demo: str) -> None:
    from shequ.places.models import Road

    for community in Area.objects.filter(level="community"):
        roads = list(Road.objects.filter(community=community))
        assert len(roads) == 4 and all(r.area_path == community.path for r in roads)
        outline = shape(community.boundary).boundary
        for road in roads:
            assert road.name in names.ROADS
            assert outline.contains(shape(road.line))  # along the community's edge
    # Where two communities meet, the road between them has the same name on both sides.
    by_line: dict[str, list[str]] = {}
    for name, line in Road.objects.values_list("name", "line"):
        by_line.setdefault(str(sorted(map(tuple, line["coordinates"]))), []).append(name)
    shared = [n for n in by_line.values() if len(n) == 2]
    assert shared and all(len(set(n)) == 1 for n in shared)


def test_every_resident_sits_in_its_micro_grid_grid_community_household_and_dwelling(demo: str) -> None:
    rows = Resident.objects.values_list(
        "area_path",
        "grid__path",
        "micro_grid__path",
        "community_id",
        "grid__community_id",
        "household__area_path",
        "dwelling__building__micro_grid__path",
        "household__dwelling_id",
        "dwelling_id",
    )
    for (
        area_path,
        grid_path,
        micro_path,
        community,
        grid_community,
        hh_path,
        dwelling_micro,
        hh_dw,
        dw,
    ) in rows:
        assert area_path.startswith(grid_path + ".")
        assert area_path == micro_path == hh_path == dwelling_micro
        assert community == grid_community
        assert hh_dw == dw
    assert not Household.objects.filter(head__isnull=True).exists()
    assert not Household.objects.exclude(head__status="active").exists()
    events = Counter(LifeEvent.objects.values_list("kind", flat=True))
    assert events["move_in"] > 0 and events["birth"] > 0
    assert Resident.objects.filter(status="deceased").count() == events["death"]
    heads = Household.objects.values_list("head__relation_to_head", "head__household_id", "pk")
    assert all(rel == "02" and hh == pk for rel, hh, pk in heads)
    uses = Counter(Building.objects.values_list("dwellings__use", flat=True))
    assert uses["owner"] > uses["rented"] > 0 and uses["vacant"] > 0 and uses["commercial"] > 0
    kinds = set(Organization.objects.values_list("kind", flat=True))
    assert {"company", "shop", "property", "social_org"} <= kinds


def test_id_numbers_are_valid_unique_and_encrypted(demo: str) -> None:
    residents = Resident.objects.filter(id_type="resident_id")
    digests = list(residents.values_list("id_number_digest", flat=True))
    assert len(digests) == len(set(digests)) and all(digests)
    regions: Counter[str] = Counter()
    for r in residents.order_by("?")[:300]:
        number = pii.plaintext_id_number(r)
        assert idnumber.is_valid(number), number
        assert r.id_number_cipher != number and r.id_number_masked == number[:6] + "********" + number[-4:]
        assert pii.id_digest(number) == r.id_number_digest
        parsed = idnumber.parse(number)
        assert parsed.birth_date == r.birth_date and parsed.gender == r.gender
        regions["local" if number.startswith("330723") else "other"] += 1
        if r.residence_type == "floating":
            assert not number.startswith("330723")
        if r.phone_cipher:
            phone = pii.plaintext_phone(r)
            assert (
                len(phone) == 11
                and phone.startswith("1")
                and r.phone_masked == phone[:3] + "****" + phone[-4:]
            )
    assert regions["local"] > regions["other"] > 0


def test_key_populations_are_present_at_plausible_rates(demo: str) -> None:
    total = Resident.objects.count()
    tags = Counter(ResidentTag.objects.values_list("tag__code", flat=True))
    for code in ("elderly_alone", "empty_nest", "oldest_old", "disabled", "dibao", "veteran"):
        assert tags[code] > 0, code
    assert 0.03 < tags["disabled"] / total < 0.1
    assert 0.005 < tags["dibao"] / total < 0.05
    assert (
        ResidentTag.objects.filter(tag__restricted=True).exclude(tag__code__in=["disabled", "dibao"]).exists()
        or total < 5000
    )  # special populations are rare: a tiny county may by chance have none
    disabled = ResidentTag.objects.filter(tag__code="disabled")
    assert all(
        c in "1234567" and g in "1234"
        for c, g in disabled.values_list("disability_category", "disability_grade")
    )
    oldest = Resident.objects.filter(tag_links__tag__code="oldest_old")
    assert all(r.age is not None and r.age >= 80 for r in oldest)
    assert all(
        link.area_path == link.resident.area_path for link in ResidentTag.objects.select_related("resident")
    )


class _Rollback(Exception):
    def __init__(self, result: Any) -> None:
        self.result = result


def _seed_and_read(seed_value: int) -> list[tuple[str, str, str]]:
    """Seed inside a savepoint, read the first residents, roll back: the next run starts empty."""
    try:
        with transaction.atomic():
            seed(seed=seed_value)
            raise _Rollback(
                list(
                    Resident.objects.order_by("pk").values_list("name", "id_number_digest", "area_path")[:20]
                )
            )
    except _Rollback as done:
        return done.result


def test_the_same_seed_gives_the_same_people(db: Any, fast_hashing: None) -> None:
    first = _seed_and_read(SEED)
    assert not Area.objects.exists()
    again = _seed_and_read(SEED)
    other = _seed_and_read(SEED + 1)
    assert len(first) == 20
    assert first == again
    assert [r[:2] for r in first] != [r[:2] for r in other]


def test_demo_accounts_have_their_roles_and_can_log_in(demo: str, client: Any) -> None:
    expected_level = {"district": "district", "street": "street", "community": "community"}
    for spec in DEMO_ACCOUNTS:
        user = User.objects.get(username=spec.username)
        [assignment] = user.assignments.all()
        assert assignment.role == spec.role
        if spec.node == "":
            assert assignment.scope_path == "" and user.is_superuser and user.is_staff
        elif spec.node == "grid":
            assert assignment.grid is not None and assignment.scope_path == assignment.grid.path
        elif spec.node == "micro_grid":
            assert assignment.micro_grid is not None and assignment.scope_path == assignment.micro_grid.path
        else:
            assert assignment.area is not None and assignment.area.level == expected_level[spec.node]
        assert client.login(username=spec.username, password=DEMO_PASSWORD), spec.username
        client.logout()
    grid = User.objects.get(username="grid").assignments.get().grid
    street = User.objects.get(username="street").assignments.get().area
    assert grid is not None and street is not None and grid.path.startswith(street.path)
    # The building leader looks after one micro-grid of the grid worker's grid, and it has residents.
    micro = User.objects.get(username="building").assignments.get().micro_grid
    assert micro is not None and micro.grid == grid and micro.residents.exists()


def test_demo_accounts_command_prints_the_table(demo: str) -> None:
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    text = out.getvalue()
    for spec in DEMO_ACCOUNTS:
        assert spec.username in text
    assert DEMO_PASSWORD in text and "http://127.0.0.1:8000/" in text and "网格员" in text


def test_the_demo_resident_is_linked_to_a_household_of_its_community(demo: str, client: Any) -> None:
    login = User.objects.get(username="resident")
    record = Resident.objects.get(login=login)
    assert record.area_path.startswith(login.assignments.get().scope_path)
    assert record.household is not None and record.household.members.count() >= 2
    client.force_login(login)
    page = client.get("/portal/").content.decode()
    assert 'id="my-household"' in page and record.household.number in page and record.name in page

    # A demo database seeded before logins could be linked: demo_accounts links it.
    Resident.objects.filter(pk=record.pk).update(login=None)
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    assert Resident.objects.filter(login=login).exists() and "linked" in out.getvalue()


def test_if_empty_leaves_a_seeded_database_alone_and_a_second_seed_is_refused(demo: str) -> None:
    before = Resident.objects.count()
    assert "not seeding" in seed(if_empty=True)
    with pytest.raises(CommandError, match="already has areas"):
        seed()
    assert Resident.objects.count() == before


def test_seed_demo_refuses_production(db: Any, settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="PRODUCTION"):
        seed()
    assert not Area.objects.exists()


def test_credit_codes_carry_their_check_characters() -> None:
    import random

    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    rng = random.Random(3)
    for kind in ("company", "shop", "social_org"):
        code = credit_code(rng, kind)
        assert len(code) == 18 and code[2:8] == "330723"
        assert (
            sum(chars.index(c) * w for c, w in zip(code[:17], weights, strict=True)) + chars.index(code[17])
        ) % 31 == 0


def test_company_names_stay_unique_for_a_city() -> None:
    import random

    from shequ.registry.demo.people import PeopleMaker
    from shequ.registry.demo.units import UnitMaker

    rng = random.Random(5)
    maker = UnitMaker(rng, PeopleMaker(rng), per_community=5000)
    made = [maker._company_name() for _ in range(10_000)]  # a city of a million has ~8,400 companies
    assert len(set(made)) == len(made)
