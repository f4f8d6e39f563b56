"""Readable builders for tests in every app (Zulip style): `build_county()`, `make_user(...)`.

The county is small but has every shape the permission matrix needs: two streets, three
communities, grids with non-overlapping polygons, micro-grids, buildings, households,
residents with open and restricted tags, and one resident in each place outside a given scope.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from shequ.accounts import services as accounts
from shequ.accounts.models import User
from shequ.core.actors import System
from shequ.core.idnumber import make as make_id
from shequ.places.models import Area, Grid, MicroGrid
from shequ.registry import services as registry
from shequ.registry.models import Building, Dwelling, Household, Resident, TagType

PASSWORD = "Shequ-Test-2026!"  # noqa: S105
_seq = itertools.count(100)


def square(x: float, y: float, size: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


@dataclass
class County:
    district: Area
    street_a: Area
    street_b: Area
    community_a1: Area
    community_a2: Area
    community_b1: Area
    grid_a1_1: Grid
    grid_a1_2: Grid
    grid_a2_1: Grid
    grid_b1_1: Grid
    micro_a1_1_1: MicroGrid
    buildings: dict[str, Building] = field(default_factory=dict)
    residents: dict[str, Resident] = field(default_factory=dict)

    def resident_in(self, grid: Grid) -> Resident:
        return next(r for r in self.residents.values() if r.grid_id == grid.pk)


def make_user(role: str, node: Any = None, *, username: str | None = None, password: str = PASSWORD) -> User:
    username = username or f"{role}_{next(_seq)}"
    return accounts.create_user(
        username=username, password=password, full_name=username, role=role, node=node, by=System("test")
    )


def add_resident(
    dwelling: Dwelling,
    name: str,
    *,
    birth: dt.date = dt.date(1980, 1, 1),
    sequence: int | None = None,
    household: Household | None = None,
    **fields: Any,
) -> Resident:
    seq = sequence if sequence is not None else next(_seq) % 1000
    data = {"name": name, "id_number": make_id("330723", birth, seq), **fields}
    return registry.register_resident(
        by=System("test"),
        community=dwelling.building.community,
        dwelling=dwelling,
        household=household,
        fields=data,
    )


def ensure_reference_data() -> None:
    """Transactional tests (browser tests) flush every table after they run, including the code
    tables, tag types, calendar days and case categories that migrations load; put them back for whatever test
    runs next."""
    import importlib

    from django.apps import apps

    from shequ.core import calendar, codes
    from shequ.core.models import CalendarDay

    if not CalendarDay.objects.exists():
        importlib.import_module("shequ.core.migrations.0003_calendarday").load_calendar(apps, None)
        calendar.clear_cache()
    from shequ.cases.models import CaseCategory

    if not CaseCategory.objects.exists():
        importlib.import_module("shequ.cases.migrations.0002_default_categories").load(apps, None)
        importlib.import_module("shequ.cases.migrations.0007_casecategory_name_en").fill(apps, None)
    if TagType.objects.exists():
        return
    importlib.import_module("shequ.core.migrations.0004_code_tables_from_standards").sync_code_tables(
        apps, None
    )
    importlib.import_module("shequ.registry.migrations.0002_tag_types").load(apps, None)
    importlib.import_module("shequ.registry.migrations.0014_tagtype_name_en").fill(apps, None)
    codes.clear_cache()


def build_county() -> County:
    ensure_reference_data()
    district = registry.create_area(
        code="330723000000",
        name="武义县",
        level="district",
        parent=None,
        boundary=square(119.70, 28.80, 0.3),
        by=System("test"),
    )
    street_a = registry.create_area(
        code="330723001000", name="壶山街道", level="street", parent=district, by=System("test")
    )
    street_b = registry.create_area(
        code="330723002000", name="白洋街道", level="street", parent=district, by=System("test")
    )
    ca1 = registry.create_area(
        code="330723001001",
        name="熟溪社区",
        level="community",
        parent=street_a,
        boundary=square(119.80, 28.90, 0.02),
        by=System("test"),
    )
    ca2 = registry.create_area(
        code="330723001002",
        name="解放社区",
        level="community",
        parent=street_a,
        boundary=square(119.82, 28.90, 0.02),
        by=System("test"),
    )
    cb1 = registry.create_area(
        code="330723002001",
        name="溪南社区",
        level="community",
        parent=street_b,
        boundary=square(119.80, 28.92, 0.02),
        by=System("test"),
    )
    g11 = registry.create_grid(
        community=ca1,
        sequence=1,
        name="熟溪第一网格",
        boundary=square(119.80, 28.90, 0.01),
        by=System("test"),
    )
    g12 = registry.create_grid(
        community=ca1,
        sequence=2,
        name="熟溪第二网格",
        boundary=square(119.81, 28.90, 0.01),
        by=System("test"),
    )
    g21 = registry.create_grid(
        community=ca2,
        sequence=1,
        name="解放第一网格",
        boundary=square(119.82, 28.90, 0.01),
        by=System("test"),
    )
    gb1 = registry.create_grid(
        community=cb1,
        sequence=1,
        name="溪南第一网格",
        boundary=square(119.80, 28.92, 0.01),
        by=System("test"),
    )
    m111 = registry.create_micro_grid(
        grid=g11,
        sequence=1,
        name="熟溪一网格1号微网格",
        boundary=square(119.80, 28.90, 0.005),
        by=System("test"),
    )
    county = County(district, street_a, street_b, ca1, ca2, cb1, g11, g12, g21, gb1, m111)

    specs = [
        ("a11", ca1, g11, m111, "溪南小区", "张伟", "13800000001"),
        ("a12", ca1, g12, None, "溪北小区", "李娜", "13800000002"),
        ("a21", ca2, g21, None, "解放小区", "王芳", "13800000003"),
        ("b11", cb1, gb1, None, "白洋小区", "刘洋", "13800000004"),
    ]
    elderly = TagType.objects.get(code="elderly_alone")
    dibao = TagType.objects.get(code="dibao")
    for key, community, grid, micro, estate, name, phone in specs:
        b = registry.create_building(
            community=community,
            grid=grid,
            micro_grid=micro,
            name="1幢",
            estate=estate,
            address=f"武义县{estate}1幢",
            floors=6,
            units=2,
            by=System("test"),
        )
        county.buildings[key] = b
        d, _ = registry.get_or_create_dwelling(building=b, unit="1", room="301")
        hh = registry.create_household(community=community, number=f"H{key}", by=System("test"), dwelling=d)
        r = add_resident(d, name, household=hh, phone=phone, relation_to_head="02")
        registry.set_household_head(hh, head=r, by=System("test"))
        registry.add_tag(r, tag=elderly, by=System("test"))
        registry.add_tag(r, tag=dibao, by=System("test"))
        county.residents[key] = r
    return county
