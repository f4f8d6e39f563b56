"""Figures benchmark: the city-wide and per-community aggregates, warm.

- the dashboard (工作台) of a district admin: population, floating, elderly, households, key
  populations by tag, the age pyramid, residence types: the page as served, rendered;
- per-community population (active, floating, elderly, households) in one grouped query;
- per-community key populations (tag × community);
- per-community cases (open, overdue now, on-time rate ...: `shequ.cases.selectors.case_figures`)
  and the city total row.
Each is run three times and the best of the warm runs (2nd, 3rd) is kept. Baseline: the same
dashboard for a community worker (one community), so the ratio shows what city scale costs.
Visits are not counted: the visits app does not exist yet.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.test import Client
from django.utils import timezone

from shequ.registry import selectors
from shequ.registry.models import Household, HouseholdStatus, ResidenceType, ResidentStatus

TARGET_MS = 200


def _warm(fn: Callable[[], Any], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times[1:]) * 1000


def _page(client: Client) -> Callable[[], Any]:
    def get() -> Any:
        response = client.get("/registry/")
        assert response.status_code == 200, response.status_code
        return response

    return get


def run() -> dict[str, Any]:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["district", "worker"])}
    district, worker = users["district"], users["worker"]
    city_client, community_client = Client(), Client()
    city_client.force_login(district)
    community_client.force_login(worker)
    today = timezone.localdate()
    elderly_born = (
        today.replace(year=today.year - 60)
        if not (today.month == 2 and today.day == 29)
        else dt.date(today.year - 60, 2, 28)
    )

    def population_by_community() -> list[Any]:
        residents = selectors.residents_visible_to(district, with_tags=False).filter(
            status=ResidentStatus.ACTIVE
        )
        rows = list(
            residents.order_by()
            .values("community_id")
            .annotate(
                total=Count("id"),
                floating=Count("id", filter=Q(residence_type=ResidenceType.FLOATING)),
                elderly=Count("id", filter=Q(birth_date__lte=elderly_born)),
            )
        )
        rows += list(
            Household.objects.filter(status=HouseholdStatus.ACTIVE)
            .order_by()
            .values("community_id")
            .annotate(n=Count("id"))
        )
        return rows

    def key_populations_by_community() -> list[Any]:
        return list(
            selectors.resident_tags_visible_to(district)
            .filter(resident__status=ResidentStatus.ACTIVE)
            .order_by()
            .values("resident__community_id", "tag_id")
            .annotate(n=Count("id"))
        )

    figures: dict[str, Callable[[], Any]] = {
        "dashboard_city": _page(city_client),
        "population_by_community": population_by_community,
        "key_populations_by_community": key_populations_by_community,
    }
    try:
        from shequ.cases import selectors as cases

        def cases_by_community() -> Any:
            qs = cases.cases_visible_to(district)
            return cases.case_figures(qs, by="community"), cases.case_figure_totals(qs)

        figures["cases_by_community"] = cases_by_community
    except ImportError:  # the cases app is not installed
        pass
    results = {name: round(_warm(fn), 1) for name, fn in figures.items()}
    baseline = round(_warm(_page(community_client)), 1)
    return {"warm_ms": results, "baseline_dashboard_community_ms": baseline, "target_ms": TARGET_MS}
