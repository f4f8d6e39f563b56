"""Units in the demo county (实有单位): companies, shops in ground-floor shop units, property firms,
owners' committees, social organisations and public bodies, with well-formed credit codes."""

from __future__ import annotations

import random
from typing import Any

from shequ.core import sealed
from shequ.places.models import Area, Grid

from ..models import Building, Dwelling, Organization, OrgKind
from . import names
from .names import COUNTY_CODE, COUNTY_NAME
from .people import PeopleMaker


class UnitMaker:
    def __init__(self, rng: random.Random, people: PeopleMaker, *, per_community: float) -> None:
        self.rng, self.people, self.per_community = rng, people, per_community
        self.company_names: set[str] = set()

    def units(self, community: Area, street: Area) -> list[tuple[str, str]]:
        """(name, kind) of the community's companies, property firms, committees and organisations."""
        rng = self.rng
        root = community.name.removesuffix("社区")
        out: list[tuple[str, str]] = []
        for _ in range(max(2, round(self.per_community / 120))):
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
        for attempt in range(1000):
            prefix = rng.choice(("浙江", "武义", "武义县", "金华"))
            # One root gives ~4,000 names; a city needs more, so later attempts use two roots.
            root = rng.choice(names.ESTATE_ROOTS) + (rng.choice(names.ESTATE_ROOTS) if attempt >= 3 else "")
            name = f"{prefix}{root}{rng.choice(names.INDUSTRIES)}有限公司"
            if name not in self.company_names:
                self.company_names.add(name)
                return name
        name = f"武义县第{len(self.company_names) + 1}实业有限公司"
        self.company_names.add(name)
        return name

    def organizations(
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
        org = Organization(
            name=name[:128],
            kind=kind,
            credit_code=credit_code(rng, kind),
            legal_representative=person,
            contact_name=person if rng.random() < 0.5 else names.full_name(rng, gender="2", birth_year=1985),
            address=building.address if building else "",
            community=community,
            grid=grid,
            building=building,
            employees=employees,
            area_path=building.area_path if building else grid.path,
        )
        sealed.assign(org, "contact_phone", sealed.seal_for(Organization, "contact_phone", phone))
        return org


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
