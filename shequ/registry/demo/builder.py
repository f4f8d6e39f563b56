"""Writes the demo county: areas, grids, micro-grids, buildings, dwellings, households, residents,
key-population tags, units (实有单位) and the demo accounts; then the apps built on the registry add
their part (`seed_app_demos`: the cases app its handler units and a year of cases).

Everything comes from one `random.Random(seed)`, consumed in a fixed order, so a seed always gives
the same names, ID numbers and boundaries. Rows are written with `bulk_create`, one community at a
time, inside one transaction (all or nothing, so `--if-empty` never meets half a county).

No history rows are written for the bulk seed: the seed is the starting state, not a change anyone
made, so there is no "who, when, why" to keep, and a history row per resident would double the
time `make demo` takes. Every change made after seeding goes through the services and keeps history.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from shequ.core.pinyin import name_keys
from shequ.places.models import Area, AreaLevel, Grid, MicroGrid, Road

from .. import namegrams, pii
from ..models import (
    Building,
    Dwelling,
    DwellingUse,
    Household,
    LifeEvent,
    LifeEventKind,
    Organization,
    OrgKind,
    Resident,
    ResidentStatus,
    ResidentTag,
    TagType,
)
from . import geometry, names
from .accounts import create_demo_accounts
from .geometry import Rect
from .names import COUNTY_CODE, COUNTY_NAME
from .people import REFERENCE_DATE, HouseholdPlan, PeopleMaker, Person
from .units import UnitMaker

DEFAULT_SEED = 2026
DEFAULT_SCALE = 100_000
# The seeds' Wuyi figures: 20 urban communities, 232 grids, 781 micro-grids for ~100,000 people.
RESIDENTS_PER_COMMUNITY = 5000
RESIDENTS_PER_GRID = 431
RESIDENTS_PER_MICRO_GRID = 128
COMMUNITIES_PER_STREET = 7
BATCH = 2000

_ESTATE_KINDS = names.Weighted([("old", 35), ("new", 35), ("village", 18), ("shophouse", 12)])


@dataclass(frozen=True)
class BuildingSpec:
    floors: tuple[int, int]  # (lowest, highest)
    units: tuple[int, ...]  # stairwell units to choose from
    per_floor: tuple[int, ...]  # homes per floor per unit
    built: tuple[int, int]
    size: tuple[int, int]  # floor area of a home, m²


_BUILDINGS = {
    "old": BuildingSpec((5, 7), (2, 3, 3, 4), (2,), (1985, 2006), (55, 95)),  # 老小区 walk-ups
    "new": BuildingSpec((8, 18), (1, 1, 2), (2, 2, 3), (2008, 2023), (85, 145)),  # 商品房 towers
    "village": BuildingSpec((3, 5), (1,), (1, 1, 2), (1988, 2015), (90, 200)),  # 城中村 self-built houses
    "shophouse": BuildingSpec((4, 7), (1, 2, 3), (2,), (1995, 2015), (60, 110)),  # shops below, homes above
}


@dataclass
class Counts:
    areas: int = 0
    grids: int = 0
    micro_grids: int = 0
    buildings: int = 0
    dwellings: int = 0
    households: int = 0
    residents: int = 0
    tags: int = 0
    life_events: int = 0
    organizations: int = 0


@dataclass
class Estate:
    name: str
    kind: str
    road: str
    number: int
    street: Area
    buildings: int = 0

    def address(self, building_no: int) -> tuple[str, str]:
        """(building name, standard address)."""
        if self.kind == "village":
            name = f"{self.number + building_no * 2}号"
            return name, f"{COUNTY_NAME}{self.street.name}{self.name}{name}"
        name = f"{building_no}幢"
        return name, f"{COUNTY_NAME}{self.street.name}{self.road}{self.number}号{self.name}{name}"


class DemoBuilder:
    def __init__(
        self,
        *,
        seed: int = DEFAULT_SEED,
        scale: int = DEFAULT_SCALE,
        out: Callable[[str], None] | None = None,
    ) -> None:
        self.seed, self.scale = seed, scale
        self.rng = random.Random(seed)
        self.people = PeopleMaker(self.rng)
        self.out = out or (lambda _msg: None)
        self.counts = Counts()
        self.started = time.monotonic()
        self.estate_names: dict[str, int] = {}
        self.tag_ids: dict[str, int] = {}
        self.community_targets: list[float] = []  # residents per community, drawn with the areas

    # --- the whole county -------------------------------------------------------------------

    def build(self) -> Counts:
        if connection.vendor == "sqlite":
            # A large page cache keeps the growing indexes (digests, names, paths) in memory; the
            # default 2 MB makes each community slower to insert than the last.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -400000")
        with transaction.atomic():
            self.tag_ids = _ensure_tag_types()
            district, streets, communities = self._areas()
            self._roads(communities)
            self.units = UnitMaker(self.rng, self.people, per_community=self.scale / len(communities))
            for i, (community, rect) in enumerate(communities, 1):
                self._community(community, rect, target=self.community_targets[i - 1])
                self.out(
                    f"  [{i}/{len(communities)}] {community.full_name}: {self.counts.residents:,} residents so far"
                    f" ({time.monotonic() - self.started:.1f} s)"
                )
            # Heads are set in one statement once every resident has a primary key.
            Household.objects.filter(head__isnull=True).update(
                head=Subquery(
                    Resident.objects.filter(household=OuterRef("pk"), relation_to_head="02")
                    .order_by("pk")
                    .values("pk")[:1]
                )
            )
            first_street = streets[0]
            first_community = next(c for c, _ in communities if c.parent_id == first_street.pk)
            first_grid = Grid.objects.filter(community=first_community).order_by("code").first()
            create_demo_accounts(
                {
                    "district": district,
                    "street": first_street,
                    "community": first_community,
                    "grid": first_grid,
                    "micro_grid": MicroGrid.objects.filter(grid=first_grid).order_by("code").first(),
                }
            )
            seed_app_demos(seed=self.seed, scale=self.scale, out=self.out)
        return self.counts

    def _areas(self) -> tuple[Area, list[Area], list[tuple[Area, Rect]]]:
        rng = self.rng
        n_comm = max(3, round(self.scale / RESIDENTS_PER_COMMUNITY))
        n_streets = min(n_comm, max(2, round(n_comm / COMMUNITIES_PER_STREET)))
        rects = geometry.lattice(rng, n_comm)
        sizes = [n_comm // n_streets + (1 if i < n_comm % n_streets else 0) for i in range(n_streets)]
        street_names = names.unique_names(names.STREETS, n_streets, suffixes=("街道",))
        community_names = names.unique_names(names.COMMUNITY_ROOTS, n_comm, suffixes=("社区",))
        self.community_targets = [self.scale * w for w in _weights(rng, n_comm)]
        district = Area(
            code=f"{COUNTY_CODE}000000",
            name=COUNTY_NAME,
            level=AreaLevel.DISTRICT,
            path=COUNTY_CODE,
            full_name=COUNTY_NAME,
            boundary=geometry.union_geojson(rects, pad=0.02),
        )
        district.save()
        streets: list[Area] = []
        communities: list[tuple[Area, Rect]] = []
        start = 0
        for s, (size, sname) in enumerate(zip(sizes, street_names, strict=True), 1):
            code = f"{COUNTY_CODE}{s:03d}000"
            street_rects = rects[start : start + size]
            street = Area(
                code=code,
                name=sname,
                level=AreaLevel.STREET,
                parent=district,
                path=Area.path_for(code, AreaLevel.STREET),
                full_name=f"{COUNTY_NAME}{sname}",
                boundary=geometry.union_geojson(street_rects),
            )
            street.save()
            streets.append(street)
            rows = []
            for c, rect in enumerate(street_rects, 1):
                ccode = f"{COUNTY_CODE}{s:03d}{c:03d}"
                cname = community_names[start + c - 1]
                rows.append(
                    Area(
                        code=ccode,
                        name=cname,
                        level=AreaLevel.COMMUNITY,
                        parent=street,
                        path=Area.path_for(ccode, AreaLevel.COMMUNITY),
                        full_name=street.full_name + cname,
                        is_urban=True,
                        boundary=rect.geojson(),
                    )
                )
            Area.objects.bulk_create(rows)
            communities.extend(zip(rows, street_rects, strict=True))
            start += size
        self.counts.areas = 1 + len(streets) + len(communities)
        self.out(f"Areas: {COUNTY_NAME}, {len(streets)} streets, {len(communities)} communities")
        return district, streets, communities

    def _roads(self, communities: list[tuple[Area, Rect]]) -> None:
        """The streets between the communities, for the maps' own base layer (ADR 0010)."""
        edges = geometry.roads([rect for _c, rect in communities], names.ROADS)
        rows = [
            Road(community=community, area_path=community.path, name=name, line=line)
            for (community, _rect), lines in zip(communities, edges, strict=True)
            for name, line in lines
        ]
        Road.objects.bulk_create(rows)
        self.out(f"Roads: {len({r.name for r in rows})} streets in {len(rows)} stretches")

    # --- one community ----------------------------------------------------------------------

    def _community(self, community: Area, rect: Rect, *, target: float) -> None:
        rng = self.rng
        floating_share = rng.uniform(0.12, 0.32)
        n_grids = max(2, round(target / RESIDENTS_PER_GRID))
        street = community.parent
        assert street is not None
        w = _weights(rng, n_grids)

        grids: list[Grid] = []
        micro_grids: list[MicroGrid] = []
        buildings: list[Building] = []
        dwellings: list[Dwelling] = []
        households: list[Household] = []
        residents: list[Resident] = []
        tags: list[ResidentTag] = []
        events: list[LifeEvent] = []
        organizations: list[Organization] = []
        shops: list[Dwelling] = []
        workplaces: list[str] = []
        units = self.units.units(community, street)
        # Workplaces are named before people so the employed can work at them.
        workplaces = [u[0] for u in units if u[1] in (OrgKind.COMPANY, OrgKind.PUBLIC, OrgKind.SHOP)]
        workplaces += [
            "武义县人民医院",
            "武义县第一中学",
            "武义经济开发区管委会",
            "武义县供电公司",
            "武义温泉度假村",
        ]
        building_seq = 0
        household_seq = 0
        grid_rects = geometry.split(rng, rect, n_grids)
        name_short = community.name
        for g, (grect, gw) in enumerate(zip(grid_rects, w, strict=True), 1):
            gtarget = target * gw
            grid = Grid(
                code=f"{community.code}{g:03d}",
                name=f"{name_short}第{names.chinese_number(g)}网格",
                community=community,
                path=f"{community.path}.{g:03d}",
                boundary=grect.geojson(),
                responsible=f"{name_short}居民委员会",
            )
            grids.append(grid)
            n_micro = max(1, round(gtarget / RESIDENTS_PER_MICRO_GRID))
            estates = [self._estate(street) for _ in range(1 if n_micro < 3 or rng.random() < 0.5 else 2)]
            grid_households = 0
            for m, (mrect, mw) in enumerate(
                zip(geometry.split(rng, grect, n_micro), _weights(rng, n_micro), strict=True), 1
            ):
                estate = estates[(m - 1) * len(estates) // n_micro]
                micro = MicroGrid(
                    code=f"{grid.code}{m:03d}",
                    grid=grid,
                    path=f"{grid.path}.{m:03d}",
                    boundary=mrect.geojson(),
                )
                micro_grids.append(micro)
                plans = self._plans(gtarget * mw, floating_share)
                grid_households += len(plans)
                mb, md, mshops, homes = self._buildings(
                    community, grid, micro, mrect, estate, len(plans), building_seq
                )
                building_seq += len(mb)
                buildings += mb
                dwellings += md
                shops += mshops
                label = "号" if estate.kind == "village" else "幢"
                first_name, last_name = mb[0].name.rstrip("号幢"), mb[-1].name.rstrip("号幢")
                micro.name = (
                    f"{estate.name}{first_name}{label}微网格"
                    if len(mb) == 1
                    else f"{estate.name}{first_name}-{last_name}{label}微网格"
                )
                leader = next(
                    (
                        p
                        for plan in plans
                        for p in plan.members
                        if 35 <= p.age <= 68 and p.residence_type == "registered"
                    ),
                    None,
                )
                micro.leader_name = leader.name if leader else ""
                for plan, home in zip(plans, homes, strict=True):
                    household_seq += 1
                    hh = Household(
                        number=f"{community.code[6:]}{household_seq:05d}",
                        community=community,
                        dwelling=home,
                        household_type="floating" if plan.floating else "registered",
                        area_path=micro.path,
                    )
                    home.use = DwellingUse.RENTED if plan.rents else DwellingUse.OWNER_OCCUPIED
                    households.append(hh)
                    for person in plan.members:
                        r = self._resident(
                            person,
                            community=community,
                            grid=grid,
                            micro=micro,
                            home=home,
                            household=hh,
                            workplaces=workplaces,
                        )
                        residents.append(r)
                        events.extend(self._life_events(person, r))
                        tags.extend(
                            ResidentTag(
                                resident=r,
                                tag_id=self.tag_ids[code],
                                since=since,
                                disability_category=cat,
                                disability_grade=grade,
                                area_path=micro.path,
                            )
                            for code, since, cat, grade in person.tags
                        )
            grid.households_planned = grid_households
        organizations = self.units.organizations(units, community, grids, buildings, shops)

        community.households_planned = len(households)
        # 社区服务用房: ≥ 800 m² in a county town, or 50 m² per 100 households up to 1,500 m²;
        # a few communities fall short so the compliance page has something to show.
        norm = min(1500, max(800, len(households) / 2))
        community.service_space_m2 = Decimal(
            round(norm * (rng.uniform(0.65, 0.95) if rng.random() < 0.2 else rng.uniform(1.0, 1.3)))
        )
        Area.objects.filter(pk=community.pk).update(
            households_planned=community.households_planned, service_space_m2=community.service_space_m2
        )
        Grid.objects.bulk_create(grids, batch_size=BATCH)
        MicroGrid.objects.bulk_create(micro_grids, batch_size=BATCH)
        Building.objects.bulk_create(buildings, batch_size=BATCH)
        Dwelling.objects.bulk_create(dwellings, batch_size=BATCH)
        Household.objects.bulk_create(households, batch_size=BATCH)
        Resident.objects.bulk_create(residents, batch_size=BATCH)
        namegrams.insert((r.pk, r.name) for r in residents)
        ResidentTag.objects.bulk_create(tags, batch_size=BATCH)
        LifeEvent.objects.bulk_create(events, batch_size=BATCH)
        Organization.objects.bulk_create(organizations, batch_size=BATCH)
        c = self.counts
        c.grids += len(grids)
        c.micro_grids += len(micro_grids)
        c.buildings += len(buildings)
        c.dwellings += len(dwellings)
        c.households += len(households)
        c.residents += len(residents)
        c.tags += len(tags)
        c.life_events += len(events)
        c.organizations += len(organizations)

    def _estate(self, street: Area) -> Estate:
        rng = self.rng
        kind = _ESTATE_KINDS.pick(rng)
        name = rng.choice(names.ESTATE_ROOTS) + rng.choice(names.ESTATE_SUFFIX[kind])
        self.estate_names[name] = phase = self.estate_names.get(name, 0) + 1
        if phase > 1:  # a second estate of the same name is its next phase (二期)
            name += f"{names.chinese_number(phase)}期"
        return Estate(
            name=name, kind=kind, road=rng.choice(names.ROADS), number=rng.randrange(2, 300, 2), street=street
        )

    def _plans(self, target: float, floating_share: float) -> list[HouseholdPlan]:
        plans: list[HouseholdPlan] = []
        people = 0
        while people < target - 1.5:
            plan = self.people.household(floating=self.rng.random() < floating_share)
            plans.append(plan)
            people += len(plan.members)
        return plans or [self.people.household(floating=False)]

    def _buildings(
        self,
        community: Area,
        grid: Grid,
        micro: MicroGrid,
        rect: Rect,
        estate: Estate,
        n_households: int,
        seq: int,
    ) -> tuple[list[Building], list[Dwelling], list[Dwelling], list[Dwelling]]:
        """Buildings of the estate's kind until there are homes for every household plus some
        vacant ones; returns (buildings, dwellings, shop dwellings, homes in household order)."""
        rng = self.rng
        buildings: list[Building] = []
        dwellings: list[Dwelling] = []
        shops: list[Dwelling] = []
        residential: list[Dwelling] = []
        wanted = math.ceil(n_households * rng.uniform(1.04, 1.14))
        while len(residential) < wanted or not buildings:
            seq += 1
            estate.buildings += 1
            bname, address = estate.address(estate.buildings)
            kind = estate.kind
            spec = _BUILDINGS[kind]
            units, per_floor = rng.choice(spec.units), rng.choice(spec.per_floor)
            street_shops = kind == "shophouse" or (kind == "old" and rng.random() < 0.15)
            # The last building is only as tall as the homes still needed (vacancy stays near 10 %).
            short = math.ceil((wanted - len(residential)) / (units * per_floor)) + int(street_shops)
            floors = max(spec.floors[0], min(rng.randint(*spec.floors), short))
            built = rng.randint(*spec.built)
            lng, lat = rect.point_inside(rng)
            b = Building(
                code=f"{community.code}{seq:05d}",
                name=bname,
                estate=estate.name,
                address=address,
                community=community,
                grid=grid,
                micro_grid=micro,
                latitude=Decimal(f"{lat:.6f}"),
                longitude=Decimal(f"{lng:.6f}"),
                floors=floors,
                units=units,
                built_year=built,
                area_path=micro.path,
            )
            buildings.append(b)
            for u in range(1, units + 1):
                for floor in range(1, floors + 1):
                    for k in range(1, per_floor + 1):
                        commercial = street_shops and floor == 1
                        d = Dwelling(
                            building=b,
                            unit=str(u),
                            floor=floor,
                            room=f"{floor}{k:02d}",
                            use=DwellingUse.COMMERCIAL if commercial else DwellingUse.VACANT,
                            floor_area_m2=Decimal(
                                rng.randint(25, 120) if commercial else rng.randint(*spec.size)
                            ),
                            area_path=micro.path,
                        )
                        dwellings.append(d)
                        (shops if commercial else residential).append(d)
        homes = rng.sample(residential, n_households)
        for d in residential:
            if d.use == DwellingUse.VACANT and rng.random() < 0.01:
                d.use = DwellingUse.OTHER  # storage, a home office, a grandparents' room
        return buildings, dwellings, shops, homes

    def _resident(
        self,
        p: Person,
        *,
        community: Area,
        grid: Grid,
        micro: MicroGrid,
        home: Dwelling,
        household: Household,
        workplaces: list[str],
    ) -> Resident:
        full, initials = name_keys(p.name)
        r = Resident(
            name=p.name,
            name_pinyin=full,
            name_initials=initials,
            id_type=p.id_type,
            gender=p.gender,
            birth_date=p.birth,
            ethnicity=p.ethnicity,
            political_status=p.political,
            education=p.education,
            marital_status=p.marital,
            residence_type=p.residence_type,
            community=community,
            grid=grid,
            micro_grid=micro,
            household=household,
            relation_to_head=p.relation,
            dwelling=home,
            area_path=micro.path,
            hukou_address=p.hukou_address
            or (
                f"浙江省金华市{home.building.address}{home.unit}单元{home.room}室"
                if p.residence_type != "foreign"
                else ""
            ),
            workplace=self.rng.choice(workplaces) if p.employed else "",
        )
        pii.set_id_number(r, p.id_number)
        if p.phone:
            pii.set_phone(r, p.phone)
        return r

    def _life_events(self, p: Person, r: Resident) -> list[LifeEvent]:
        """A year of comings and goings for the charts: births, floating residents moving in,
        some members moving out, deaths among the old. Heads stay, so every household keeps one.
        Dates count back from today (only dates move with the calendar; names and numbers do not)."""
        rng, today = self.rng, timezone.localdate()

        def event(kind: str, date: dt.date) -> LifeEvent:
            return LifeEvent(resident=r, kind=kind, date=date, area_path=r.area_path)

        def recent() -> dt.date:
            return today - dt.timedelta(days=rng.randrange(1, 365))

        out = []
        if p.age == 0:
            out.append(event(LifeEventKind.BIRTH, p.birth))
        if p.residence_type == "floating" and rng.random() < 0.3:
            out.append(event(LifeEventKind.MOVE_IN, recent()))
        if p.relation != "02":
            roll = rng.random()
            if p.age >= 75 and roll < 0.03:
                r.status = ResidentStatus.DECEASED
                out.append(event(LifeEventKind.DEATH, recent()))
            elif p.age >= 18 and roll < 0.006:
                r.status = ResidentStatus.MOVED_OUT
                out.append(event(LifeEventKind.MOVE_OUT, recent()))
        return out


def _weights(rng: random.Random, n: int) -> list[float]:
    w = [rng.uniform(0.7, 1.3) for _ in range(n)]
    total = sum(w)
    return [x / total for x in w]


def seed_app_demos(*, seed: int, scale: int, out: Callable[[str], None]) -> None:
    """The apps built on the registry add their part of the demo (the cases app its handler units
    and a year of cases) through a `seed_demo(seed=, scale=, out=)` function in `<app>/demo.py`,
    called in INSTALLED_APPS order inside the same transaction. They are found through the app
    registry, so the registry imports none of the apps that depend on it."""
    for config in apps.get_app_configs():
        if not config.name.startswith("shequ.") or config.name == "shequ.registry":
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        hook = getattr(module, "seed_demo", None)
        if callable(hook):
            hook(seed=seed, scale=scale, out=out)


def _ensure_tag_types() -> dict[str, int]:
    """Tag types come from a data migration; `manage.py flush` empties them, so put them back."""
    ids = dict(TagType.objects.values_list("code", "pk"))
    migration = importlib.import_module("shequ.registry.migrations.0002_tag_types")
    english = importlib.import_module("shequ.registry.migrations.0014_tagtype_name_en").TAGS_EN
    for i, (code, name, group, restricted, interval) in enumerate(migration.TAGS):
        if code not in ids:
            ids[code] = TagType.objects.create(
                code=code,
                name=name,
                name_en=english.get(code, ("", ""))[1],
                group=group,
                restricted=restricted,
                visit_interval_days=interval,
                sort=i * 10,
            ).pk
    return ids


def build_demo(
    *, seed: int = DEFAULT_SEED, scale: int = DEFAULT_SCALE, out: Callable[[str], None] | None = None
) -> Counts:
    """Seed an empty database with the demo county. See `manage.py seed_demo --help`."""
    return DemoBuilder(seed=seed, scale=scale, out=out).build()


__all__ = [
    "DEFAULT_SCALE",
    "DEFAULT_SEED",
    "REFERENCE_DATE",
    "Counts",
    "DemoBuilder",
    "build_demo",
]
