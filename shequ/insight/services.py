"""The verbs of insight: refreshing the snapshot of figures the dashboards read."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from shequ.accounts.typing import Actor
from shequ.audit.services import record_event
from shequ.cases import selectors as cases
from shequ.core.actors import System, refuse_missing_actor
from shequ.insight.actions import InsightAction
from shequ.places.models import Area, AreaLevel, Grid
from shequ.registry.models import (
    Building,
    Household,
    HouseholdStatus,
    Organization,
    Resident,
    ResidentStatus,
    ResidentTag,
)

from . import counting
from .models import CommunityFigures


@dataclass(frozen=True)
class Refreshed:
    communities: int
    refreshed_at: Any
    seconds: float


def _by_community(qs: Any, key: str = "community_id") -> dict[int, int]:
    return dict(qs.order_by().values_list(key).annotate(n=Count("id")))


def _lock() -> None:
    """One refresh at a time: two would both replace the day's rows and the second would collide
    with the first's on the (community, day) constraint. SQLite serialises writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('shequ.insight.refresh_figures'))")


def refresh_figures(*, by: Actor, now: Any = None) -> Refreshed:
    """Count every community's figures again and store them as today's snapshot, replacing any
    earlier one of the same day, in one transaction (a page never sees half a refresh).

    Each aggregate is one grouped query over the whole city, not one query per community, so the
    job costs about one pass over each table whatever the number of communities. A refresh asked
    for by a person (`by`) is audited; the periodic job is not (it would drown the log)."""
    refuse_missing_actor(by)
    started = time.perf_counter()
    now = now or timezone.now()
    today = timezone.localdate(now)
    communities = list(Area.objects.filter(level=AreaLevel.COMMUNITY).values_list("pk", "path"))
    grouped: Any = (
        Resident.objects.filter(status=ResidentStatus.ACTIVE)
        .order_by()
        .values("community_id")
        .annotate(**counting.population_aggregates(today))
    )
    population: dict[int, dict[str, Any]] = {row["community_id"]: row for row in grouped}
    households = _by_community(Household.objects.filter(status=HouseholdStatus.ACTIVE))
    buildings = _by_community(Building.objects.all())
    grids = _by_community(Grid.objects.filter(end_date__isnull=True))
    organizations = _by_community(Organization.objects.filter(active=True))
    tags: dict[int, dict[str, int]] = defaultdict(dict)
    for community_id, code, n in (
        ResidentTag.objects.filter(resident__status=ResidentStatus.ACTIVE)
        .order_by()
        .values_list("resident__community_id", "tag__code")
        .annotate(n=Count("id"))
    ):
        tags[community_id][code] = n
    case_counts = cases.case_counts_by_community(now=now)
    rows = []
    for pk, path in communities:
        people: dict[str, Any] = population.get(pk, {})
        case_row = case_counts.get(pk, {})
        rows.append(
            CommunityFigures(
                community_id=pk,
                area_path=path,
                day=today,
                refreshed_at=now,
                residents=people.get("total", 0),
                floating=people.get("floating", 0),
                elderly=people.get("elderly", 0),
                households=households.get(pk, 0),
                buildings=buildings.get(pk, 0),
                grids=grids.get(pk, 0),
                organizations=organizations.get(pk, 0),
                cases_open=case_row.get("open_now", 0),
                cases_overdue=case_row.get("overdue_now", 0),
                age_bands=counting.age_bands(people),
                residence_types=counting.residence_types(people),
                tags=tags.get(pk, {}),
                case_counts=case_row,
            )
        )
    with transaction.atomic():
        _lock()
        CommunityFigures.objects.filter(day=today).delete()
        CommunityFigures.objects.bulk_create(rows)
        seconds = round(time.perf_counter() - started, 3)
        if not isinstance(by, System):
            record_event(
                actor=by,
                action=InsightAction.REFRESH_FIGURES,
                extra={"communities": len(rows), "seconds": seconds},
            )
    return Refreshed(communities=len(rows), refreshed_at=now, seconds=seconds)
