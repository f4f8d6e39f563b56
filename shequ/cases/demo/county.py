"""The demo county as the case loop sees it: its places, the handler units (one per community,
each street's sections, the county departments and utilities, the estates' property companies),
which unit handles which category, and the staff who work the loop.

The demo accounts work where they are assigned (`worker` at the desk of its community and in the
community's unit, `handler` in the property company that looks after the `grid` account's
estates); a named colleague without a password works everywhere else.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as django_apps
from django.utils import timezone

from shequ.accounts import services as accounts
from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.core.actors import System
from shequ.core.calendar import WorkCalendar, get_calendar
from shequ.core.errors import RuleError
from shequ.places.models import Area, AreaLevel
from shequ.registry.demo import names
from shequ.registry.demo.names import COUNTY_NAME
from shequ.registry.models import Building, Organization, OrgKind

from .. import services
from ..models import CaseCategory, HandlerUnit, UnitKind

# The demo builder acts as the system, under its own name in the audit log.
DEMO = System("seed_demo")


COUNTY_UNITS = [  # key, name after the county's, kind
    ("county:housing", "住建局", UnitKind.DEPARTMENT),
    ("county:urban", "城管局", UnitKind.DEPARTMENT),
    ("county:market", "市场监管局", UnitKind.DEPARTMENT),
    ("county:police", "公安局城区派出所", UnitKind.DEPARTMENT),
    ("county:fire", "消防救援大队", UnitKind.DEPARTMENT),
    ("county:power", "供电公司", UnitKind.UTILITY),
    ("county:water", "自来水公司", UnitKind.UTILITY),
]
STREET_SECTIONS = [("street:urban", "城管科"), ("street:safety", "平安办")]

# Who handles what, in order of preference; the next one is who gets it after a return (退回).
# "community": the community committee; "property": the estate's property company (the committee
# where an estate has none). The second item names a co-handling unit (协同), sent along now and then.
ROUTES: dict[str, tuple[list[tuple[str, int]], str]] = {
    "dispute.neighbour": ([("community", 1)], "street:safety"),
    "dispute.family": ([("community", 1)], "street:safety"),
    "dispute.property": ([("community", 6), ("property", 4)], "county:housing"),
    "safety.building": ([("county:housing", 7), ("property", 3)], "community"),
    "safety.ebike": ([("property", 5), ("community", 3), ("street:safety", 2)], "county:fire"),
    "safety.falling": ([("property", 7), ("community", 3)], "community"),
    "sanitation.garbage": ([("property", 7), ("community", 3)], "street:urban"),
    "sanitation.sewage": ([("property", 5), ("county:housing", 3), ("county:water", 2)], "community"),
    "sanitation.greenery": ([("property", 6), ("community", 4)], "community"),
    "municipal.streetlight": ([("county:urban", 8), ("county:power", 2)], "community"),
    "municipal.road": ([("county:housing", 6), ("county:urban", 4)], "community"),
    "municipal.manhole": ([("county:urban", 5), ("county:water", 3), ("county:power", 2)], "community"),
    "property.lift": ([("property", 1)], "county:market"),
    "property.parking": ([("property", 8), ("community", 2)], "county:police"),
    "property.leak": ([("property", 1)], "community"),
    "livelihood.consultation": ([("community", 1)], "community"),
    "livelihood.help": ([("community", 1)], "property"),
    "livelihood.complaint": ([("community", 5), ("county:market", 5)], "community"),
    "security.suspicious": ([("county:police", 7), ("street:safety", 3)], "community"),
    "security.noise": ([("county:police", 4), ("community", 4), ("street:urban", 2)], "community"),
    "fire.lane": ([("property", 6), ("county:fire", 4)], "community"),
    "fire.equipment": ([("property", 5), ("county:fire", 5)], "community"),
    "construction.structure": ([("street:urban", 7), ("county:urban", 3)], "community"),
    "construction.greenspace": ([("street:urban", 6), ("property", 4)], "community"),
    "other": ([("community", 1)], "property"),
}
# Once passed up, the street or the district sends a case to a section or a department.
ESCALATED = {
    "dispute": "street:safety",
    "safety": "county:housing",
    "sanitation": "county:urban",
    "municipal": "county:urban",
    "property": "county:housing",
    "livelihood": "street:safety",
    "security": "county:police",
    "fire": "county:fire",
    "construction": "county:urban",
    "other": "street:urban",
}
# A category's default unit when one county unit handles it everywhere; categories handled by the
# community or the estate's property company have none (the desk picks the local unit).
DEFAULT_UNITS = {
    "municipal": "county:urban",
    "municipal.streetlight": "county:urban",
    "municipal.road": "county:housing",
    "municipal.manhole": "county:urban",
    "safety.building": "county:housing",
    "security": "county:police",
    "security.suspicious": "county:police",
    "security.noise": "county:police",
    "fire": "county:fire",
    "fire.lane": "county:fire",
    "fire.equipment": "county:fire",
    "construction": "county:urban",
    "construction.structure": "county:urban",
    "construction.greenspace": "county:urban",
}


@dataclass
class Spot:
    building: Building
    street: Area
    property_unit: HandlerUnit | None


@dataclass
class Summary:
    cases: int = 0
    units: int = 0
    staff: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    clock: Counter[str] = field(default_factory=Counter)
    warnings: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


class County:
    """Places, units and staff; the plans and the play build on it (plans.py, play.py)."""

    def __init__(
        self,
        *,
        seed: int,
        scale: int,
        now: dt.datetime | None = None,
        out: Callable[[str], None] | None = None,
    ) -> None:
        self.rng = random.Random(f"cases-{seed}")  # noqa: S311  (demo data, not secrets)
        self.scale = scale
        self.now = timezone.localtime(now or timezone.now()).replace(second=0, microsecond=0)
        self.out = out or (lambda _msg: None)
        self.summary = Summary()
        self.cal: WorkCalendar = get_calendar()

        self.units: dict[Any, HandlerUnit] = {}
        self.handlers: dict[int, User] = {}  # unit → the member who acts for it
        self.desk: dict[int, User] = {}  # community → its community worker
        self.street_staff: dict[int, User] = {}  # street → its official
        self.failures: list[str] = []
        self.moved = 0  # how often the periodic job has changed a case's status
        self.running = 0  # cases whose clock is (or may be) running
        self.windows: list[dt.datetime] = []  # when unevaluated cases' evaluation windows end

    # --- places, units and the people who work the loop -------------------------------------

    def _places(self) -> None:
        if not CaseCategory.objects.exists():  # `flush` empties the migration's rows
            migration = importlib.import_module("shequ.cases.migrations.0002_default_categories")
            migration.load(django_apps, None)
            importlib.import_module("shequ.cases.migrations.0007_casecategory_name_en").fill(
                django_apps, None
            )
        self.categories = {c.code: c for c in CaseCategory.objects.all()}
        district = Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code").first()
        if district is None:
            raise RuleError("no_county", "Build the registry demo first.")
        self.district = district
        self.streets = {a.pk: a for a in Area.objects.filter(level=AreaLevel.STREET).order_by("code")}
        self.communities = list(Area.objects.filter(level=AreaLevel.COMMUNITY).order_by("code"))
        self.buildings = list(
            Building.objects.select_related("grid__community", "community").order_by("code")
        )
        self.accounts = {
            u.username: u
            for u in User.objects.filter(
                username__in=["worker", "grid", "building", "handler", "street", "district", "resident"]
            ).prefetch_related("assignments")
        }
        worker = self.accounts.get("worker")
        area = worker.assignments.all()[0].area if worker and worker.assignments.all() else None
        self.home = area or self.communities[0]  # the demo accounts' community
        grid = self.accounts.get("grid")
        self.home_grid_id = grid.assignments.all()[0].grid_id if grid and grid.assignments.all() else None
        # The building leader reports from their own micro-grid only (their scope).
        leader = self.accounts.get("building")
        self.home_micro_grid_id = (
            leader.assignments.all()[0].micro_grid_id if leader and leader.assignments.all() else None
        )

    def _units(self) -> None:
        rng = self.rng
        for key, suffix, kind in COUNTY_UNITS:
            name = ("国网" + COUNTY_NAME + suffix) if key == "county:power" else COUNTY_NAME + suffix
            self.units[key] = self._unit_row(name, kind, self.district)
        for street in self.streets.values():
            for key, suffix in STREET_SECTIONS:
                self.units[(key, street.pk)] = self._unit_row(
                    street.name + suffix, UnitKind.STREET_SECTION, street
                )
        for community in self.communities:
            self.units[("community", community.pk)] = self._unit_row(
                f"{community.name}居民委员会", UnitKind.COMMUNITY, community
            )
        # The property companies registered in each community (实有单位) look after its estates.
        companies: dict[int, list[str]] = {}
        for community_id, name in (
            Organization.objects.filter(kind=OrgKind.PROPERTY)
            .order_by("community__code", "name")
            .values_list("community_id", "name")
            .distinct()
        ):
            companies.setdefault(community_id, []).append(name)
        by_community = {c.pk: c for c in self.communities}
        property_units: dict[int, list[HandlerUnit]] = {
            cid: [self._unit_row(name, UnitKind.PROPERTY, by_community[cid]) for name in names_]
            for cid, names_ in companies.items()
            if cid in by_community
        }
        estate_unit: dict[tuple[int, str], HandlerUnit | None] = {}
        for b in self.buildings:
            estate = (b.community_id, b.estate)
            if estate in estate_unit:
                continue
            choices = property_units.get(b.community_id, [])
            village = b.name.endswith("号")  # self-built village houses have no property company
            if b.community_id == self.home.pk and b.grid_id == self.home_grid_id and choices:
                estate_unit[estate] = choices[0]  # the demo handler's company runs the demo grid
            else:
                estate_unit[estate] = rng.choice(choices) if choices and not village else None
        home_companies = property_units.get(self.home.pk, [])
        self.home_property = home_companies[0] if home_companies else None
        self.spots = [
            Spot(b, self.streets[b.community.parent_id], estate_unit[(b.community_id, b.estate)])
            for b in self.buildings
            if b.community.parent_id in self.streets
        ]
        for code, key in DEFAULT_UNITS.items():
            if code in self.categories:
                services.save_category(by=DEMO, category=self.categories[code], default_unit=self.units[key])
        self.summary.units = HandlerUnit.objects.count()

    def _unit_row(self, name: str, kind: str, area: Area) -> HandlerUnit:
        phone = f"0579-8{self.rng.randrange(10**6, 10**7):07d}"
        return services.save_unit(by=DEMO, name=name[:64], kind=kind, area=area, phone=phone)

    def _staff(self) -> None:
        """The demo accounts where they serve, and a named colleague everywhere else. The colleagues
        have no password: they act in the case files but cannot log in."""
        acc = self.accounts
        worker, handler = acc.get("worker"), acc.get("handler")
        if worker is not None:
            self.desk[self.home.pk] = worker
        if handler is not None and self.home_property is not None:
            services.add_unit_member(by=DEMO, unit=self.home_property, user=handler, is_lead=True)
            self.handlers[self.home_property.pk] = handler
        street = acc.get("street")
        street_area = street.assignments.all()[0].area_id if street and street.assignments.all() else None
        if street is not None and street_area is not None:
            self.street_staff[street_area] = street
        for community in self.communities:
            if community.pk not in self.desk:
                self.desk[community.pk] = self._colleague("社工", Role.COMMUNITY_WORKER, community)
            unit = self.units[("community", community.pk)]
            services.add_unit_member(by=DEMO, unit=unit, user=self.desk[community.pk], is_lead=True)
            self.handlers[unit.pk] = self.desk[community.pk]
        for s in self.streets.values():
            if s.pk not in self.street_staff:
                self.street_staff[s.pk] = self._colleague("街道干部", Role.STREET_ADMIN, s)
        self.district_staff = acc.get("district") or self._colleague(
            "县级干部", Role.DISTRICT_ADMIN, self.district
        )
        for unit in HandlerUnit.objects.order_by("area_path", "kind", "name"):
            if unit.pk not in self.handlers:
                user = self._colleague("经办人", Role.HANDLER, unit.area)
                services.add_unit_member(by=DEMO, unit=unit, user=user, is_lead=True)
                self.handlers[unit.pk] = user
        for user in [*self.desk.values(), *self.handlers.values()]:
            user.__dict__.pop("_shequ_unit_ids", None)  # memberships changed after any cached read

    def _colleague(self, title: str, role: str, node: Area) -> User:
        self.summary.staff += 1
        rng = self.rng
        person = names.full_name(rng, gender=rng.choice("12"), birth_year=rng.randint(1968, 1998))
        user = User.objects.create_user(
            username=f"demo_staff_{self.summary.staff:04d}", password=None, full_name=f"{title} {person}"
        )
        accounts.assign_role(user, role=role, node=node, by=DEMO)
        return user
