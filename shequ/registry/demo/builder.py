"""Writes the demo county: areas, grids, micro-grids, buildings, dwellings, households, residents,
key-population tags, units (实有单位) and the demo accounts.

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
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from shequ.core import crypto
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.pinyin import name_keys

from .. import pii
from ..models import (
    Area,
    AreaLevel,
    Building,
    Dwelling,
    DwellingUse,
    Grid,
    Household,
    LifeEvent,
    LifeEventKind,
    MicroGrid,
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
from .people import REFERENCE_DATE, HouseholdPlan, PeopleMaker, Person

COUNTY_CODE = "330723"
COUNTY_NAME = "武义县"
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
    communities_done: int = 0


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
        self.company_names: set[str] = set()
        self.tag_ids: dict[str, int] = {}

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
            for i, (community, rect) in enumerate(communities, 1):
                self._community(community, rect)
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
                }
            )
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

    # --- one community ----------------------------------------------------------------------

    def _community(self, community: Area, rect: Rect) -> None:
        rng = self.rng
        target = self.community_targets[self.counts.communities_done]
        self.counts.communities_done += 1
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
        units = self._units(community, street)
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
        organizations = self._organizations(units, community, grids, buildings, shops)

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
        # The same three forms pii.set_id_number / set_phone write, without a query per row.
        r.id_number_cipher = crypto.encrypt(p.id_number)
        r.id_number_digest = pii.id_digest(p.id_number)
        r.id_number_masked = mask_id_number(p.id_number)
        if p.phone:
            r.phone_cipher = crypto.encrypt(p.phone)
            r.phone_digest = pii.phone_digest(p.phone)
            r.phone_masked = mask_phone(p.phone)
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

    # --- units (实有单位) -------------------------------------------------------------------------

    def _units(self, community: Area, street: Area) -> list[tuple[str, str]]:
        """(name, kind) of the community's companies, property firms, committees and organisations."""
        rng = self.rng
        root = community.name.removesuffix("社区")
        out: list[tuple[str, str]] = []
        for _ in range(max(2, round(self.scale / len(self.community_targets) / 120))):
            out.append((self._company_name(), OrgKind.COMPANY))
        for p in rng.sample(names.PROPERTY_COMPANIES, 2):
            out.append((p, OrgKind.PROPERTY))
        for s in rng.sample(names.SOCIAL_ORGS, rng.randint(2, 4)):
            out.append((f"{community.name}{s}", OrgKind.SOCIAL_ORG))
        out.append((f"{community.name}卫生服务站", OrgKind.PUBLIC))
        out.append((f"{street.name}{root}社区居民委员会", OrgKind.PUBLIC))
        if rng.random() < 0.5:
            out.append((f"武义县{root}幼儿园", OrgKind.PUBLIC))
        if rng.random() < 0.3:
            out.append((f"武义县{root}小学", OrgKind.PUBLIC))
        if rng.random() < 0.25:
            out.append((f"武义县{root}茶叶专业合作社", OrgKind.COOPERATIVE))
        # de-duplicate names while keeping order (random company names can repeat)
        seen: dict[str, str] = {}
        for name, kind in out:
            seen.setdefault(name, kind)
        return list(seen.items())

    def _company_name(self) -> str:
        """A company name not used elsewhere in the county (names are registered county-wide)."""
        rng = self.rng
        while True:
            prefix = rng.choice(("浙江", "武义", "武义县", "金华"))
            name = f"{prefix}{rng.choice(names.ESTATE_ROOTS)}{rng.choice(names.INDUSTRIES)}有限公司"
            if name not in self.company_names:
                self.company_names.add(name)
                return name

    def _organizations(
        self,
        units: list[tuple[str, str]],
        community: Area,
        grids: list[Grid],
        buildings: list[Building],
        shops: list[Dwelling],
    ) -> list[Organization]:
        rng = self.rng
        out: list[Organization] = []
        street = community.parent.name if community.parent else ""
        for name, kind in units:
            grid = rng.choice(grids)
            org = self._org(name, kind, community, grid, None, employees=_employees(rng, kind))
            org.address = f"{COUNTY_NAME}{street}{rng.choice(names.ROADS)}{rng.randint(1, 400)}号"
            out.append(org)
        estates: dict[str, Building] = {}
        for b in buildings:
            estates.setdefault(b.estate, b)
        for estate, b in estates.items():
            if b.address.endswith("号") or rng.random() < 0.4:
                continue
            out.append(
                self._org(
                    f"{estate}业主委员会", OrgKind.OWNERS_COMMITTEE, community, b.grid, b, employees=None
                )
            )
        for d in shops:
            b = d.building
            owner = names.full_name(rng, gender=rng.choice("12"), birth_year=rng.randint(1965, 1998))
            kind = rng.choice(names.SHOP_KINDS)
            label = rng.choice(
                [owner[0] + "记", owner[1:] if len(owner) == 3 else owner, b.estate[:2], "好邻居", "惠民"]
            )
            org = self._org(
                f"武义县{label}{kind}", OrgKind.SHOP, community, b.grid, b, employees=rng.randint(1, 6)
            )
            org.address = f"{b.address}{d.room}商铺"
            org.legal_representative = org.contact_name = owner
            org.area_path = d.area_path
            out.append(org)
        return out

    def _org(
        self,
        name: str,
        kind: str,
        community: Area,
        grid: Any,
        building: Building | None,
        employees: int | None,
    ) -> Organization:
        rng = self.rng
        person = names.full_name(rng, gender=rng.choice("12"), birth_year=rng.randint(1960, 1995))
        phone = f"0579-87{rng.randrange(10**6):06d}" if rng.random() < 0.5 else self.people.phone()
        return Organization(
            name=name[:128],
            kind=kind,
            credit_code=credit_code(rng, kind),
            legal_representative=person,
            contact_name=person if rng.random() < 0.5 else names.full_name(rng, gender="2", birth_year=1985),
            contact_phone=phone,
            address=building.address if building else "",
            community=community,
            grid=grid,
            building=building,
            employees=employees,
            area_path=building.area_path if building else grid.path,
        )


def _weights(rng: random.Random, n: int) -> list[float]:
    w = [rng.uniform(0.7, 1.3) for _ in range(n)]
    total = sum(w)
    return [x / total for x in w]


def _employees(rng: random.Random, kind: str) -> int | None:
    if kind == OrgKind.COMPANY:
        return min(2000, int(rng.lognormvariate(3.2, 1.0)) + 3)
    if kind in (OrgKind.PUBLIC, OrgKind.PROPERTY):
        return rng.randint(5, 60)
    if kind == OrgKind.SOCIAL_ORG:
        return rng.randint(0, 8)
    return rng.randint(1, 20)


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code(rng: random.Random, kind: str) -> str:
    """A well-formed unified social credit code (GB 32100): authority and type, the county code,
    an organisation code with its GB 11714 check character, and the MOD 31 check character."""
    prefixes: dict[str, str] = {
        OrgKind.SOCIAL_ORG: "52",
        OrgKind.PUBLIC: "12",
        OrgKind.SHOP: "92",
        OrgKind.COOPERATIVE: "93",
        OrgKind.OWNERS_COMMITTEE: "59",
    }
    prefix = prefixes.get(kind, "91")
    body = "".join(rng.choice("0123456789") for _ in range(8))
    c9 = 11 - sum(int(ch) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    org_code = body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
    first17 = f"{prefix}{COUNTY_CODE}{org_code}"
    total = sum(_CREDIT_CHARS.index(ch) * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return first17 + _CREDIT_CHARS[(31 - total % 31) % 31]


def _ensure_tag_types() -> dict[str, int]:
    """Tag types come from a data migration; `manage.py flush` empties them, so put them back."""
    ids = dict(TagType.objects.values_list("code", "pk"))
    migration = importlib.import_module("shequ.registry.migrations.0002_tag_types")
    for i, (code, name, group, restricted, interval) in enumerate(migration.TAGS):
        if code not in ids:
            ids[code] = TagType.objects.create(
                code=code,
                name=name,
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
    "credit_code",
]
