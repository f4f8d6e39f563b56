"""Drawing up the year's cases before any is played: when and where each is reported, by whom,
what it says, and how it will go. Settled outcomes are drawn as exact shares (with a minimum), so
even a tiny county shows every path; a few showcase cases are planned to stand at each open status
now, their clocks green, yellow or red."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from shequ.accounts.models import User
from shequ.registry.demo import names
from shequ.registry.demo.people import MOBILE_PREFIXES
from shequ.registry.models import Building

from ..models import Case, CaseCategory, CaseStatus, Satisfaction, Source, Urgency
from .county import ROUTES, County, Spot
from .texts import (
    CATEGORY_WEIGHTS,
    DAYS_WORDS,
    DESCRIPTIONS,
    DIRECTIONS,
    ENDINGS,
    MONTH_WEIGHTS,
    SEASONAL,
    SOURCE_WEIGHTS,
    URGENT_SHARE,
)

CASES_PER_THOUSAND = 30  # reports a year per 1,000 residents
DAYS = 365

# The step that starts the clock a showcase case is shown on: stop at status -> status it acts from,
# and how many quick steps come before that one.
SHOWCASE = {
    CaseStatus.REPORTED: ("", 0),
    CaseStatus.ACCEPTED: (CaseStatus.REPORTED, 0),
    CaseStatus.DISPATCHED: (CaseStatus.ACCEPTED, 1),
    CaseStatus.HANDLING: (CaseStatus.ACCEPTED, 1),
    CaseStatus.REPLIED: (CaseStatus.HANDLING, 3),
    CaseStatus.TO_EVALUATE: (CaseStatus.REPLIED, 4),
    CaseStatus.SUSPENDED: (CaseStatus.HANDLING, 3),
}
SHOWCASE_RATIOS = [0.3, 0.9, 1.25, 0.55]  # share of the limit used now: green, yellow, red, green
PROPERTY_CATEGORIES = [
    "sanitation.garbage",
    "property.lift",
    "property.parking",
    "property.leak",
    "fire.lane",
]


@dataclass
class Plan:
    key: int
    reported_at: dt.datetime
    category: CaseCategory
    spot: Spot
    source: str = Source.GRID
    urgency: str = Urgency.NORMAL
    description: str = ""
    reporter: User | None = None  # who types the report in (None: a resident on the portal)
    reporter_name: str = ""
    phone: str = ""
    photo: bool = False
    leads: list[str] = field(default_factory=list)  # unit keys in order; a return moves on
    co_unit: str = ""
    refuse: bool = False
    escalate: bool = False  # the community passes it up once accepted
    neglect: bool = False  # nobody accepts it in time: the clock passes it up
    duplicate_of: Plan | None = None
    has_duplicate: bool = False
    returns: int = 0
    suspend: bool = False
    supervise: bool = False
    verify_fails: int = 0
    late: bool = False
    evaluations: list[str] = field(default_factory=list)  # one per evaluation; empty: never evaluated
    stop_at: str = ""  # showcase: stays at this status
    target: dt.datetime | None = None  # showcase: when the step starting the shown clock happens
    case: Case | None = None
    # the handling round under way
    round_start: dt.datetime | None = None
    reply_at: dt.datetime | None = None
    assist_at: dt.datetime | None = None
    suspend_at: dt.datetime | None = None
    supervise_at: dt.datetime | None = None


class Planner(County):
    """Draws every case's plan, in a fixed order from the seeded generator."""

    def _plans(self) -> list[Plan]:
        rng = self.rng
        total = max(40, settings.SHEQU_DEMO_CASES or round(self.scale * CASES_PER_THOUSAND / 1000))
        each = max(2, round(total * 0.004))
        pairs = max(2, round(total * 0.025))
        hot = [(code, rng.randint(3, 4)) for code in ("sanitation.garbage", "safety.ebike")]
        fixed = each * len(SHOWCASE) + pairs + sum(count for _code, count in hot)
        year = [self._plan(*self._moment()) for _ in range(total - fixed)]
        year.sort(key=lambda p: p.reported_at)
        settled = [p for p in year if p.reported_at < self.now - dt.timedelta(days=14)]
        self._outcomes(settled)
        plans = list(year)
        for original in rng.sample([p for p in settled if not p.refuse], min(pairs, len(settled))):
            plans.append(self._duplicate(original))
        home_spots = [s for s in self.spots if s.building.community_id == self.home.pk] or self.spots
        for code, count in hot:  # the same problem again and again at one building: a hot spot
            spot = rng.choice(home_spots)
            for day in sorted(rng.uniform(1, 12) for _ in range(count)):
                moment = self._at_hour(self.now - dt.timedelta(days=day), Source.GRID)
                plans.append(self._plan(moment, Source.GRID, code=code, spot=spot))
        for n, (status, i) in enumerate(itertools.product(SHOWCASE, range(each))):
            plans.append(self._showcase(status, i, home_spots, SHOWCASE_RATIOS[n % len(SHOWCASE_RATIOS)]))
        plans.sort(key=lambda p: p.reported_at)
        for key, p in enumerate(plans):
            p.key = key
        return plans

    def _moment(self) -> tuple[dt.datetime, str]:
        """A source, and a day of the past year (fewer at weekends and in winter) at an hour that
        fits it: grid workers and the window in office hours, the hotline into the evening, the
        portal any time, evenings most."""
        rng = self.rng
        while True:
            day = self.now.date() - dt.timedelta(days=rng.randrange(DAYS))
            weight = MONTH_WEIGHTS[day.month - 1] * (0.6 if day.weekday() >= 5 else 1.0)
            if rng.random() * 1.25 < weight:
                break
        source = _pick(rng, SOURCE_WEIGHTS)
        moment = self._at_hour(dt.datetime.combine(day, dt.time(), tzinfo=self.now.tzinfo), source)
        return (moment if moment < self.now else moment - dt.timedelta(days=1)), source

    def _at_hour(self, day: dt.datetime, source: str) -> dt.datetime:
        rng = self.rng
        if source in (Source.GRID, Source.WINDOW):
            hour = rng.uniform(8.6, 17.8)
        elif source == Source.HOTLINE:
            hour = rng.uniform(8, 21)
        else:
            hour = rng.choice([rng.uniform(7, 23), rng.uniform(18, 23)])
        local = timezone.localtime(day).replace(hour=0, minute=0, second=0, microsecond=0)
        moment = local + dt.timedelta(minutes=int(hour * 60))
        return min(moment, self.now - dt.timedelta(minutes=5))

    def _plan(self, moment: dt.datetime, source: str, *, code: str = "", spot: Spot | None = None) -> Plan:
        rng = self.rng
        if not code:
            weights = [
                w * (1.8 if c in SEASONAL and SEASONAL[c][0] <= moment.month <= SEASONAL[c][1] else 1)
                for c, w in CATEGORY_WEIGHTS.items()
            ]
            code = rng.choices(list(CATEGORY_WEIGHTS), weights)[0]
        spot = spot or rng.choice(self.spots)
        top = code.split(".")[0]
        if code == "livelihood.consultation" and source == Source.GRID:
            source = Source.WINDOW
        p = Plan(key=0, reported_at=moment, category=self.categories[code], spot=spot, source=source)
        share = URGENT_SHARE.get(code, URGENT_SHARE.get(top, 0.03))
        p.urgency = Urgency.URGENT if rng.random() < share else Urgency.NORMAL
        p.description = self._describe(code, spot.building)
        self._reporter(p)
        p.photo = source in (Source.GRID, Source.PORTAL) and self._recent(moment) and rng.random() < 0.5
        leads, co = ROUTES.get(code, ROUTES["other"])
        first = _pick(rng, leads)
        p.leads = [first] + [k for k, _w in leads if k != first]
        if "community" not in p.leads:
            p.leads.append("community")
        if co not in p.leads[:1] and rng.random() < 0.12:
            p.co_unit = co
        p.evaluations = [_pick(rng, [(Satisfaction.SATISFIED, 85), (Satisfaction.BASIC, 15)])]
        return p

    def _reporter(self, p: Plan) -> None:
        rng, b = self.rng, p.spot.building
        desk = self.desk[b.community_id]
        if p.source == Source.GRID:
            in_home_grid = b.grid_id == self.home_grid_id
            in_leaders_micro_grid = b.micro_grid_id is not None and b.micro_grid_id == self.home_micro_grid_id
            pick = "grid" if rng.random() < 0.7 or not in_leaders_micro_grid else "building"
            p.reporter = self.accounts.get(pick) if in_home_grid else None
            p.reporter = p.reporter or desk
            return
        p.reporter_name = names.full_name(rng, gender=rng.choice("12"), birth_year=rng.randint(1945, 2002))
        p.phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        resident = self.accounts.get("resident")
        if p.source == Source.PORTAL and b.community_id == self.home.pk and resident and rng.random() < 0.3:
            p.reporter, p.reporter_name, p.phone = resident, "", ""
        elif p.source in (Source.HOTLINE, Source.WINDOW):
            p.reporter = desk  # the desk types in what the caller or visitor says

    def _describe(self, code: str, b: Building) -> str:
        rng = self.rng
        text = rng.choice(DESCRIPTIONS.get(code, DESCRIPTIONS["other"])).format(
            b=b.name,
            e=b.estate or "小区",
            u=rng.randint(1, max(1, b.units)),
            f=rng.randint(2, max(2, b.floors)),
            d=rng.choice(DAYS_WORDS),
            dir=rng.choice(DIRECTIONS),
            road=rng.choice(names.ROADS),
            n=rng.randint(2, 5),
        )
        return text + rng.choice(ENDINGS)

    def _recent(self, moment: dt.datetime) -> bool:
        return moment > self.now - dt.timedelta(days=90)  # photos only for the last three months

    def _outcomes(self, plans: list[Plan]) -> None:
        """How settled cases go, drawn as exact shares so even a tiny county shows every path."""
        rng = self.rng

        def some(share: float, least: int, pool: list[Plan] | None = None) -> list[Plan]:
            pool = plans if pool is None else pool
            return rng.sample(pool, min(len(pool), max(least, round(share * len(plans)))))

        for p in some(0.04, 2):
            p.refuse = True
        kept = [p for p in plans if not p.refuse]
        for p in some(0.03, 1, kept):
            p.escalate = True
        for p in some(0.01, 1, kept):
            p.neglect = True
        for p in some(0.02, 1, kept):
            p.suspend = True
        for p in some(0.05, 1, [p for p in kept if len(p.leads) > 1]):
            p.returns = 1
        for p in some(0.04, 1, kept):
            p.verify_fails = 1
        for p in some(0.10, 1, kept):
            p.late = True
        for p in some(0.02, 1, [p for p in kept if p.late]):
            p.supervise = True
        for p in some(0.10, 1, kept):
            p.evaluations = []  # nobody answers: closed when the evaluation window ends
        content = [(Satisfaction.SATISFIED, 50), (Satisfaction.BASIC, 50)]
        for p in some(0.06, 2, [p for p in kept if p.evaluations]):
            # Unsatisfied: reopened once. Unsatisfied again: passed up to the street, and from there
            # to the county, where an unsatisfied answer closes the case for good.
            roll = rng.random()
            if roll < 0.65:
                p.evaluations = [Satisfaction.UNSATISFIED, _pick(rng, content)]
            elif roll < 0.85:
                p.evaluations = [Satisfaction.UNSATISFIED, Satisfaction.UNSATISFIED, _pick(rng, content)]
            else:
                p.evaluations = [Satisfaction.UNSATISFIED] * 4

    def _duplicate(self, original: Plan) -> Plan:
        """Somebody else reports the same problem a little later; the desk merges it (合并)."""
        rng = self.rng
        moment = min(original.reported_at + dt.timedelta(hours=rng.uniform(0.5, 3)), self.now)
        source = Source.HOTLINE if original.source != Source.HOTLINE else Source.PORTAL
        p = self._plan(moment, source, code=original.category.code, spot=original.spot)
        p.duplicate_of, original.has_duplicate = original, True
        return p

    def _showcase(self, status: str, i: int, home_spots: list[Spot], ratio: float) -> Plan:
        """A case that stands at `status` now, its clock green, yellow or red by how long ago the
        step that started it happened. Half of them are the demo accounts' own."""
        rng, cal = self.rng, self.cal
        at_home = i % 2 == 0
        handled = status in (
            CaseStatus.DISPATCHED,
            CaseStatus.HANDLING,
            CaseStatus.REPLIED,
            CaseStatus.SUSPENDED,
        )
        code = rng.choice(PROPERTY_CATEGORIES if at_home and handled else list(CATEGORY_WEIGHTS))
        # At home, cases for a unit go to estates the demo handler's company looks after.
        pool = [s for s in home_spots if s.property_unit == self.home_property] if at_home and handled else []
        spot = rng.choice(pool or (home_spots if at_home else self.spots))
        p = self._plan(self.now, _pick(rng, SOURCE_WEIGHTS), code=code, spot=spot)
        p.urgency, p.stop_at, p.evaluations = Urgency.NORMAL, status, []
        if at_home and handled:
            p.leads = ["property", "community"]
        stage = {"reported": "accept", "accepted": "dispatch", "replied": "verify"}.get(status, "handle")
        if status == CaseStatus.TO_EVALUATE:
            target = self.now - dt.timedelta(days=rng.uniform(0.3, 5))
        elif status == CaseStatus.SUSPENDED:
            target = self.now - dt.timedelta(days=rng.uniform(1, 6))
        else:
            target = cal.add_working_hours(self.now, -ratio * p.category.limit_hours(stage))
        p.target = cal.add_working_hours(cal.add_working_hours(target, -0.2), 0.2)  # a working moment
        before = SHOWCASE[CaseStatus(status)][1]
        p.reported_at = (
            p.target
            if status == CaseStatus.REPORTED
            else cal.add_working_hours(p.target, -0.4 * (before + 1))
        )
        if status == CaseStatus.SUSPENDED:
            p.suspend, p.suspend_at = True, p.target
        return p


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]
