"""Households and people for the demo, as plain data (no database), so a seed always gives the
same people.

Figures are the shape of a Zhejiang county town: about a quarter of residents are floating
(Wuyi's hardware and tourism-goods factories), a quarter are 60 or older, households average
about 2.7 people; key populations follow national rates (disabled ≈ 6 %, dibao ≈ 2 %).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from shequ.core.idnumber import make as make_id

from . import names
from .names import Weighted

# Ages and dates are computed against a fixed day, not the wall clock, so a seed gives the same
# birth dates and ID numbers whenever it runs.
REFERENCE_DATE = dt.date(2026, 1, 1)
LOCAL_REGION = "330723"

MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "193",
    "195",
    "198",
    "199",
]

# Attained education (GB/T 4658) by birth cohort: (last birth year, [(code, weight)]).
_EDUCATION = [
    (1949, [("90", 20), ("80", 45), ("70", 25), ("60", 8), ("30", 2)]),
    (1969, [("90", 2), ("80", 25), ("70", 40), ("60", 20), ("40", 5), ("30", 5), ("20", 3)]),
    (1989, [("80", 2), ("70", 35), ("60", 20), ("40", 12), ("30", 15), ("20", 13), ("14", 3)]),
    (2010, [("70", 14), ("60", 12), ("40", 16), ("30", 25), ("20", 28), ("14", 4), ("11", 1)]),
]
_EDUCATION_PICK = [(year, Weighted(table)) for year, table in _EDUCATION]
_DISABILITY_CATEGORY = Weighted([("4", 48), ("2", 20), ("1", 14), ("6", 7), ("5", 6), ("7", 4), ("3", 1)])
_DISABILITY_GRADE = Weighted([("1", 10), ("2", 20), ("3", 30), ("4", 40)])
_ORIGIN_PICK = Weighted([(str(i), o[2]) for i, o in enumerate(names.ORIGINS)])
_LOCAL_MINORITY = Weighted(names.LOCAL_MINORITIES)

_REGISTERED_KINDS = Weighted(
    [
        ("elderly_single", 8),
        ("elderly_couple", 14),
        ("couple_kids", 29),
        ("three_gen", 14),
        ("left_behind", 5),
        ("young_couple", 8),
        ("single_adult", 10),
        ("single_parent", 4),
        ("couple_adult_child", 8),
    ]
)
_FLOATING_KINDS = Weighted([("single_worker", 40), ("couple", 25), ("couple_kids", 30), ("shared", 5)])

FOREIGNERS = [
    ("阮氏梅", "2", "VNM"),
    ("金敏俊", "1", "KOR"),
    ("安娜·伊万诺娃", "2", "RUS"),
    ("约翰·史密斯", "1", "USA"),
    ("陈美玲", "2", "MYS"),
    ("穆罕默德·阿里", "1", "PAK"),
    ("佐藤健", "1", "JPN"),
    ("玛丽亚·席尔瓦", "2", "BRA"),
]


@dataclass
class Person:
    name: str
    gender: str  # "1" male, "2" female
    birth: dt.date
    relation: str  # GB/T 4761 relation to the head
    residence_type: str = "registered"
    region: str = LOCAL_REGION
    id_type: str = "resident_id"
    id_number: str = ""
    ethnicity: str = "01"
    political: str = "13"
    education: str = ""
    marital: str = "10"
    phone: str = ""
    hukou_address: str = ""
    workplace: str = ""
    employed: bool = False  # the builder gives the employed a workplace from the county's units
    tags: list[tuple[str, dt.date | None, str, str]] = field(
        default_factory=list
    )  # code, since, category, grade

    @property
    def age(self) -> int:
        return age_on(self.birth, REFERENCE_DATE)


@dataclass
class HouseholdPlan:
    kind: str
    floating: bool
    members: list[Person]
    rents: bool = False


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class PeopleMaker:
    """Makes households one at a time from one `random.Random`, keeping ID numbers and phones unique."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.foreign_serial = 0

    # --- one person -------------------------------------------------------------------------

    def birth(self, age: int) -> dt.date:
        """A birth date that makes someone `age` on the reference day."""
        days = self.rng.randrange(365)
        return REFERENCE_DATE - dt.timedelta(days=int(age * 365.25) + days + 1)

    def person(
        self,
        *,
        age: int,
        gender: str,
        relation: str,
        local: bool,
        family_name: str | None = None,
        region: str = LOCAL_REGION,
        residence_type: str = "registered",
    ) -> Person:
        birth = self.birth(max(0, age))
        name = names.full_name(
            self.rng, gender=gender, birth_year=birth.year, local=local, family_name=family_name
        )
        p = Person(
            name=name,
            gender=gender,
            birth=birth,
            relation=relation,
            residence_type=residence_type,
            region=region,
        )
        p.id_number = self.id_number(region, birth, gender)
        return p

    def id_number(self, region: str, birth: dt.date, gender: str) -> str:
        while True:
            seq = self.rng.randrange(1, 1000)
            if (seq % 2 == 1) != (gender == "1"):
                seq = seq - 1 if seq > 1 else seq + 1
            value = make_id(region, birth, seq)
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def phone(self) -> str:
        while True:
            value = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"
            if value not in self.used_phones:
                self.used_phones.add(value)
                return value

    def spouse_of(
        self, head: Person, *, local: bool, region: str, residence_type: str, gap: int = 3
    ) -> Person:
        gender = "2" if head.gender == "1" else "1"
        age = head.age + (self.rng.randint(-1, gap + 1) if gender == "1" else -self.rng.randint(-1, gap + 1))
        return self.person(
            age=max(20, age),
            gender=gender,
            relation="10",
            local=local,
            region=region,
            residence_type=residence_type,
        )

    def child_of(
        self,
        parents: list[Person],
        *,
        age: int,
        relation_base: str = "2",
        local: bool = True,
        region: str = LOCAL_REGION,
        residence_type: str = "registered",
    ) -> Person:
        """relation_base "2"/"3" gives 20 son / 30 daughter; "4" gives 41 grandson / 42 granddaughter."""
        gender = self.rng.choice("12")
        father = next((p for p in parents if p.gender == "1"), parents[0])
        family = father.name[:2] if father.name[:2] in {"欧阳", "诸葛", "司马", "上官"} else father.name[0]
        if self.rng.random() < 0.05:  # some children take the mother's surname
            mother = next((p for p in parents if p.gender == "2"), parents[0])
            family = mother.name[0]
        if relation_base == "4":
            relation = "41" if gender == "1" else "42"
        else:
            relation = "20" if gender == "1" else "30"
        return self.person(
            age=age,
            gender=gender,
            relation=relation,
            local=local,
            family_name=family,
            region=region,
            residence_type=residence_type,
        )

    # --- one household ----------------------------------------------------------------------

    def household(self, *, floating: bool) -> HouseholdPlan:
        kind = (_FLOATING_KINDS if floating else _REGISTERED_KINDS).pick(self.rng)
        plan = self._floating(kind) if floating else self._registered(kind)
        for p in plan.members:
            self._fill(p, plan)
        self._household_tags(plan)
        if floating and self.rng.random() < 0.0015:
            self._make_foreign(plan.members[0])
        return plan

    def _registered(self, kind: str) -> HouseholdPlan:
        rng = self.rng
        g = rng.choice("12")
        members: list[Person] = []
        if kind == "elderly_single":
            head = self.person(
                age=round(rng.triangular(62, 97, 72)), gender=rng.choice("2212"), relation="02", local=True
            )
            head.marital = "30" if rng.random() < 0.8 else rng.choice(["40", "10"])
            members = [head]
        elif kind == "elderly_couple":
            head = self.person(age=round(rng.triangular(60, 92, 66)), gender="1", relation="02", local=True)
            members = [
                head,
                self.spouse_of(head, local=True, region=LOCAL_REGION, residence_type="registered"),
            ]
        elif kind in ("couple_kids", "three_gen", "single_parent", "couple_adult_child"):
            low, high = {
                "couple_kids": (27, 52),
                "three_gen": (33, 58),
                "single_parent": (28, 52),
                "couple_adult_child": (48, 66),
            }[kind]
            head = self.person(
                age=rng.randint(low, high),
                gender="1" if rng.random() < 0.8 else "2",
                relation="02",
                local=True,
            )
            members = [head]
            if kind != "single_parent":
                members.append(
                    self.spouse_of(head, local=True, region=LOCAL_REGION, residence_type="registered")
                )
            else:
                head.marital = rng.choice(["40", "40", "30"])
            mother = min(p.age for p in members)
            kids = 1 if rng.random() < 0.55 else 2 if rng.random() < 0.9 else 3
            age = mother - rng.randint(22, 33)  # the mother's age at the first birth
            if kind == "couple_adult_child":
                age = max(20, age)
            elif age > 24:
                age = rng.randint(12, 24)  # older parents' grown children have mostly left home
            for _ in range(kids):
                if age < 0 or (kind == "couple_adult_child" and age < 20):
                    break
                members.append(self.child_of(members[:2], age=age))
                age -= rng.randint(2, 8)
            if kind == "three_gen":
                older = min(96, round(rng.triangular(head.age + 22, head.age + 34, head.age + 26)))
                if rng.random() < 0.6:
                    father = self.person(
                        age=older + 2, gender="1", relation="51", local=True, family_name=head.name[0]
                    )
                    members.append(father)
                members.append(self.person(age=older, gender="2", relation="52", local=True))
                if len(members) > 2 and members[-1].relation == "52" and members[-2].relation == "51":
                    members[-2].marital = members[-1].marital = "20"
                else:
                    members[-1].marital = "30"
        elif kind == "left_behind":
            # Grandparents bring up grandchildren; the parents work elsewhere (人户分离: "away").
            head = self.person(age=rng.randint(55, 76), gender="1", relation="02", local=True)
            members = [
                head,
                self.spouse_of(head, local=True, region=LOCAL_REGION, residence_type="registered"),
            ]
            parent = self.child_of([head], age=rng.randint(27, 42), residence_type="away")
            parent.marital = "20"
            members.append(parent)
            for _ in range(1 if rng.random() < 0.6 else 2):
                if parent.gender == "1":
                    kid = self.child_of([parent], age=rng.randint(2, 15), relation_base="4")
                else:  # a daughter's child: 外孙 / 外孙女, with the absent father's surname
                    g = rng.choice("12")
                    kid = self.person(
                        age=rng.randint(2, 15), gender=g, relation="43" if g == "1" else "44", local=True
                    )
                kid.tags.append(("left_behind_child", None, "", ""))
                members.append(kid)
        elif kind == "young_couple":
            head = self.person(
                age=rng.randint(23, 36), gender="1" if rng.random() < 0.85 else "2", relation="02", local=True
            )
            members = [
                head,
                self.spouse_of(head, local=True, region=LOCAL_REGION, residence_type="registered"),
            ]
        else:  # single_adult
            head = self.person(age=rng.randint(22, 61), gender=g, relation="02", local=True)
            head.marital = "10" if head.age < 35 or rng.random() < 0.4 else "40"
            members = [head]
        return HouseholdPlan(kind=kind, floating=False, members=members, rents=rng.random() < 0.12)

    def _floating(self, kind: str) -> HouseholdPlan:
        rng = self.rng
        origin = names.ORIGINS[int(_ORIGIN_PICK.pick(rng))]
        region = origin[0]

        def person(**kw: object) -> Person:
            p = self.person(local=False, region=region, residence_type="floating", **kw)  # type: ignore[arg-type]
            p.hukou_address = self._origin_address(origin[1])
            p.ethnicity = self._origin_ethnicity(origin[3])
            return p

        if kind == "single_worker":
            members = [
                person(age=rng.randint(18, 52), gender="1" if rng.random() < 0.62 else "2", relation="02")
            ]
            members[0].marital = "10" if members[0].age < 28 or rng.random() < 0.35 else "20"
        elif kind == "shared":
            members = [person(age=rng.randint(18, 40), gender="1", relation="02")]
            members += [
                person(age=rng.randint(18, 40), gender="1", relation="99") for _ in range(rng.randint(1, 2))
            ]
        else:
            head = person(age=rng.randint(22, 50), gender="1", relation="02")
            spouse = person(age=max(20, head.age - rng.randint(-1, 4)), gender="2", relation="10")
            members = [head, spouse]
            if kind == "couple_kids":
                for _ in range(1 if rng.random() < 0.5 else 2):
                    kid = self.child_of(
                        members,
                        age=rng.randint(0, max(0, min(16, spouse.age - 20))),
                        local=False,
                        region=region,
                        residence_type="floating",
                    )
                    kid.hukou_address, kid.ethnicity = head.hukou_address, head.ethnicity
                    members.append(kid)
        return HouseholdPlan(kind=kind, floating=True, members=members, rents=True)

    def _origin_address(self, place: str) -> str:
        rng = self.rng
        return f"{place}{rng.choice(names.TOWNS)}镇{rng.choice(names.VILLAGES)}村{rng.randint(1, 12)}组{rng.randint(1, 99)}号"

    def _origin_ethnicity(self, shares: list[tuple[str, float]]) -> str:
        roll = self.rng.random()
        for code, share in shares:
            if roll < share:
                return code
            roll -= share
        return "01"

    def _make_foreign(self, p: Person) -> None:
        name, gender, country = self.rng.choice(FOREIGNERS)
        self.foreign_serial += 1
        p.name, p.gender, p.residence_type = name, gender, "foreign"
        p.ethnicity, p.political = "", ""
        p.id_type = "passport"
        p.id_number = f"{country[0]}{self.foreign_serial:02d}{self.rng.randrange(10**6):06d}"
        p.hukou_address = ""
        p.marital = "90"
        p.tags = []

    # --- attributes that follow from age and household ----------------------------------------

    def _fill(self, p: Person, plan: HouseholdPlan) -> None:
        rng, age = self.rng, p.age
        if not plan.floating and rng.random() < 0.016:
            p.ethnicity = _LOCAL_MINORITY.pick(rng)
        couple = plan.kind != "shared" and any(m.relation == "10" for m in plan.members)
        if couple and p.relation in ("02", "10") and p.marital == "10" and age >= 20:
            p.marital = "22" if rng.random() < 0.04 else "20"
        if age < 6:
            p.education = ""
        elif age < 13:
            p.education = "80"
        elif age < 16:
            p.education = "70"
        elif age < 19:
            p.education = "60" if rng.random() < 0.6 else "40"
        else:
            table = next((t for year, t in _EDUCATION_PICK if p.birth.year <= year), _EDUCATION_PICK[-1][1])
            p.education = table.pick(rng)
            if plan.floating and p.education in ("14", "11", "20") and rng.random() < 0.5:
                p.education = "70"
        p.political = self._political(age, p.gender)
        if age >= 15 and (age < 80 or rng.random() < 0.6):
            p.phone = self.phone()
        if p.residence_type != "away" and 18 <= age < 60:
            p.employed = rng.random() < (0.85 if plan.floating else 0.55)
        self._tags(p, plan)

    def _political(self, age: int, gender: str) -> str:
        roll = self.rng.random()
        if age < 14:
            return "13"
        if age <= 28 and roll < 0.38:
            return "03"
        if age >= 18:
            party = 0.10 if gender == "1" else 0.05
            party *= 1.4 if age >= 50 else 1.0
            if roll > 1 - party:
                return "01"
            if roll > 1 - party - 0.003:
                return "02"
            if roll < 0.0015:
                return self.rng.choice(["04", "05", "06", "07", "08", "09", "10", "11"])
            if roll < 0.003:
                return "12"
        return "13"

    def _tags(self, p: Person, plan: HouseholdPlan) -> None:
        rng, age = self.rng, p.age
        if p.residence_type == "foreign":
            return

        def since(years_ago_max: int) -> dt.date:
            return REFERENCE_DATE - dt.timedelta(days=rng.randrange(30, max(31, years_ago_max * 365)))

        if age >= 80:
            p.tags.append(
                (
                    "oldest_old",
                    p.birth.replace(year=p.birth.year + 80)
                    if not (p.birth.month == 2 and p.birth.day == 29)
                    else dt.date(p.birth.year + 80, 3, 1),
                    "",
                    "",
                )
            )
        if plan.kind == "elderly_single":
            p.tags.append(("elderly_alone" if age >= 70 else "empty_nest", since(8), "", ""))
        elif plan.kind == "elderly_couple":
            p.tags.append(("empty_nest", since(10), "", ""))
        disabled_rate = 0.015 if age < 18 else 0.05 if age < 60 else 0.12 if age < 80 else 0.2
        if rng.random() < disabled_rate:
            p.tags.append(
                ("disabled", since(20), _DISABILITY_CATEGORY.pick(rng), _DISABILITY_GRADE.pick(rng))
            )
        if p.gender == "1" and 38 <= age <= 92 and rng.random() < 0.06:
            p.tags.append(("veteran", None, "", ""))
        if age >= 18:
            roll = rng.random()
            for code, rate in (
                ("severe_mental", 0.004),
                ("released_prisoner", 0.002 if p.gender == "1" else 0.0003),
                ("community_correction", 0.0004),
                ("drug_rehab", 0.0004),
                ("key_petitioner", 0.0002),
            ):
                if roll < rate:
                    p.tags.append((code, since(5), "", ""))
                    break
                roll -= rate

    def _household_tags(self, plan: HouseholdPlan) -> None:
        """Assistance is granted to a household (低保户), so every member carries the tag."""
        if plan.floating:
            return
        rng = self.rng
        disabled = any(t[0] == "disabled" for p in plan.members for t in p.tags)
        weight = (
            0.014 * (4 if disabled else 1) * (2 if plan.kind in ("elderly_single", "single_parent") else 1)
        )
        roll = rng.random()
        code = ""
        if plan.kind == "elderly_single" and plan.members[0].age >= 70 and roll < 0.08:
            code = "tekun"  # 特困: no income, no one obliged to support them
        elif roll < weight:
            code = "dibao"
        elif roll < weight + 0.004:
            code = "assistance"
        if code:
            start = REFERENCE_DATE - dt.timedelta(days=rng.randrange(60, 6 * 365))
            for p in plan.members:
                if p.residence_type != "away":
                    p.tags.append((code, start, "", ""))
