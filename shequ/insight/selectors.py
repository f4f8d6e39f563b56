"""Reads of insight: the dashboard's figures for a user's scope.

A scope wider than one community (a street, a district, the city) reads the snapshot
(`CommunityFigures`, refreshed by a job) and sums the communities in scope: a handful of queries,
whatever the size of the city. One community, or a grid, is counted live: it is small, and a
worker expects to see the resident they have just registered.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shequ.accounts.roles import Perm
from shequ.accounts.scope import Scope, has_perm_anywhere, scope_for
from shequ.cases import selectors as cases
from shequ.core import codes
from shequ.registry import selectors as registry
from shequ.registry.models import HouseholdStatus, ResidentStatus, TagType

from . import counting
from .models import CommunityFigures

COMMUNITY_DEPTH = 3  # 330723.001.014: city/district, street, community; grids lie below


@dataclass
class Figures:
    """What the dashboard shows for one scope; `as_of` is the snapshot's time, None when live."""

    can_residents: bool
    can_places: bool
    can_cases: bool
    as_of: dt.datetime | None = None
    residents: dict[str, int] = field(default_factory=dict)  # total, floating, elderly
    households: int = 0
    buildings: int = 0
    grids: int = 0
    organizations: int = 0
    tags: list[dict[str, Any]] = field(default_factory=list)  # code, name, restricted, n
    age_bands: dict[str, int] = field(default_factory=dict)  # m0-9, f0-9, ...
    residence_types: dict[str, int] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)  # open, overdue


@dataclass(frozen=True)
class _Scopes:
    residents: Scope
    places: Scope
    key_populations: Scope
    cases: Scope

    @property
    def all(self) -> tuple[Scope, ...]:
        return (self.residents, self.places, self.key_populations, self.cases)


def _scopes(user: Any) -> _Scopes:
    return _Scopes(
        residents=scope_for(user, Perm.VIEW_RESIDENTS),
        places=scope_for(user, Perm.VIEW_PLACES),
        key_populations=scope_for(user, Perm.VIEW_KEY_POPULATIONS),
        cases=scope_for(user, Perm.VIEW_CASES),
    )


def _depth(path: str) -> int:
    return len(path.split("."))


def _wide(scope: Scope) -> bool:
    """Covers more than one community."""
    return scope.everything or len(scope.paths) > 1 or any(_depth(p) < COMMUNITY_DEPTH for p in scope.paths)


def reads_snapshot(scopes: _Scopes) -> bool:
    """Whole communities only (a grid cannot be cut out of a community's row), more than one."""
    whole = all(_depth(p) <= COMMUNITY_DEPTH for s in scopes.all for p in s.paths)
    return whole and (_wide(scopes.residents) or _wide(scopes.places))


def latest_snapshot(q: Q | None = None) -> QuerySet[CommunityFigures]:
    """The rows of the latest refresh (its day), optionally narrowed by `q`."""
    latest = CommunityFigures.objects.order_by("-day").values("day")[:1]
    qs = CommunityFigures.objects.filter(day=latest).order_by("area_path")
    return qs.filter(q) if q is not None else qs


def _union_q(*scopes: Scope) -> Q | None:
    """Rows any of the scopes covers; None for everything (Q() | Q(x) would be just Q(x))."""
    if any(s.everything for s in scopes):
        return None
    q = Q(pk__in=[])
    for s in scopes:
        q |= s.q()
    return q


def can_refresh(user: Any) -> bool:
    """Refreshing counts the whole city: the county-level administrators' button."""
    return has_perm_anywhere(user, Perm.CONFIGURE)


def dashboard_figures(user: Any) -> Figures:
    scopes = _scopes(user)
    figures = Figures(
        can_residents=not scopes.residents.empty,
        can_places=not scopes.places.empty,
        can_cases=not scopes.cases.empty,
    )
    if reads_snapshot(scopes):
        rows = list(latest_snapshot(_union_q(*scopes.all)))
        if rows:  # before the first refresh, count live rather than show zeros
            return _sum_snapshot(figures, scopes, rows)
    return _count_live(figures, user)


def _sum_snapshot(figures: Figures, scopes: _Scopes, rows: list[CommunityFigures]) -> Figures:
    figures.as_of = max(r.refreshed_at for r in rows)
    people: Counter[str] = Counter()
    ages: Counter[str] = Counter()
    residence: Counter[str] = Counter()
    open_tags: Counter[str] = Counter()
    restricted_tags: Counter[str] = Counter()
    case_counts: Counter[str] = Counter()
    for row in rows:
        if scopes.residents.covers(row.area_path):
            people.update(total=row.residents, floating=row.floating, elderly=row.elderly)
            people["households"] += row.households
            ages.update(row.age_bands)
            residence.update(row.residence_types)
            open_tags.update(row.tags)
        if scopes.key_populations.covers(row.area_path):
            restricted_tags.update(row.tags)
        if scopes.places.covers(row.area_path):
            people.update(buildings=row.buildings, grids=row.grids, organizations=row.organizations)
        if scopes.cases.covers(row.area_path):
            case_counts.update(open=row.cases_open, overdue=row.cases_overdue)
    if figures.can_residents:
        figures.residents = {k: people[k] for k in ("total", "floating", "elderly")}
        figures.households = people["households"]
        figures.age_bands = dict(ages)
        figures.residence_types = dict(residence)
        figures.tags = [
            {"code": t.code, "name": t.name, "label": t.display_name, "restricted": t.restricted, "n": n}
            for t in TagType.objects.order_by("sort", "code")
            if (n := (restricted_tags if t.restricted else open_tags)[t.code])
        ]
    if figures.can_places:
        figures.buildings, figures.grids = people["buildings"], people["grids"]
        figures.organizations = people["organizations"]
    if figures.can_cases:
        figures.cases = {"open": case_counts["open"], "overdue": case_counts["overdue"]}
    return figures


def _count_live(figures: Figures, user: Any) -> Figures:
    """The figures counted now, through the scoped selectors: one community's worth of rows."""
    if figures.can_places:
        figures.buildings = registry.buildings_visible_to(user).count()
        figures.grids = registry.grids_visible_to(user).filter(end_date__isnull=True).count()
        figures.organizations = registry.organizations_visible_to(user).filter(active=True).count()
    if figures.can_residents:
        today = timezone.localdate()
        row = (
            registry.residents_visible_to(user, with_tags=False)
            .filter(status=ResidentStatus.ACTIVE)
            .aggregate(**counting.population_aggregates(today))
        )
        figures.residents = {k: row[k] for k in ("total", "floating", "elderly")}
        figures.age_bands = counting.age_bands(row)
        figures.residence_types = counting.residence_types(row)
        figures.households = (
            registry.households_visible_to(user).filter(status=HouseholdStatus.ACTIVE).count()
        )
        figures.tags = [
            {
                "code": r["tag__code"],
                "name": r["tag__name"],
                "label": codes.display_name(r["tag__name"], r["tag__name_en"]),
                "restricted": r["tag__restricted"],
                "n": r["n"],
            }
            for r in registry.resident_tags_visible_to(user)
            .filter(resident__status=ResidentStatus.ACTIVE)
            .order_by()
            .values("tag__code", "tag__name", "tag__name_en", "tag__restricted", "tag__sort")
            .annotate(n=Count("id"))
            .order_by("tag__sort", "tag__code")
        ]
    if figures.can_cases:
        counts: Counter[str] = Counter()
        for row in cases.case_counts_by_community(cases.cases_visible_to(user)).values():
            counts.update(open=row["open_now"], overdue=row["overdue_now"])
        figures.cases = {"open": counts["open"], "overdue": counts["overdue"]}
    return figures


# --- per community ------------------------------------------------------------------------------


def community_figures_visible_to(user: Any) -> list[CommunityFigures]:
    """The latest snapshot's rows of the communities where the user sees residents."""
    return list(latest_snapshot(_union_q(scope_for(user, Perm.VIEW_RESIDENTS))).select_related("community"))


def key_populations_by_community(user: Any) -> list[dict[str, Any]]:
    """Active residents per community and tag from the snapshot: restricted tags only where the
    user may see key populations (PIPL)."""
    scopes = _scopes(user)
    restricted = set(TagType.objects.filter(restricted=True).values_list("code", flat=True))
    out = []
    for row in latest_snapshot(_union_q(scopes.residents, scopes.key_populations)):
        for code, n in row.tags.items():
            allowed = scopes.key_populations if code in restricted else scopes.residents
            if allowed.covers(row.area_path):
                out.append({"community_id": row.community_id, "tag": code, "n": n})
    return out


def case_figures_by_community(user: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """`cases.selectors.case_figures(by="community")` and its total row, from the snapshot's counts
    for the communities in the user's case scope."""
    rows = list(
        latest_snapshot(_union_q(scope_for(user, Perm.VIEW_CASES)))
        .select_related("community")
        .order_by("community__name")
    )
    total: Counter[str] = Counter()
    out = []
    for row in rows:
        total.update(row.case_counts)
        if row.case_counts.get("reported"):
            out.append(
                {
                    "key": row.community_id,
                    "name": row.community.name,
                    **cases.figures_from_counts(row.case_counts),
                }
            )
    return out, {"key": None, "name": "", **cases.figures_from_counts(dict(total))}
