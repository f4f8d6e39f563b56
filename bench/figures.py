"""Figures benchmark: the city-wide and per-community aggregates, warm, as users get them.

- the dashboard (工作台) of a district admin: population, floating, elderly, households, key
  populations by tag, the age pyramid, residence types, open and overdue cases: the page as served,
  rendered, which for a scope wider than one community reads the snapshot (`shequ.insight`);
- per-community population (active, floating, elderly, households), key populations (tag ×
  community) and cases (open, overdue now, on-time rate ...: the rows and total of
  `shequ.cases.selectors.case_figures`), from the snapshot through `shequ.insight.selectors`;
- the refresh job (`manage.py refresh_figures`): every community counted again, one grouped query
  per figure over the whole city, reported as its own figure (seconds; a job, not a page);
- for comparison, the district dashboard's figures counted live (what the page cost before the
  snapshot, and what it still costs before the first refresh).
Each is run three times and the best of the warm runs (2nd, 3rd) is kept (the refresh: twice,
best kept). Baseline: the same dashboard for a community worker (one community, counted live), so
the ratio shows what city scale costs. Visits are not counted: the visits app does not exist yet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from shequ.insight import selectors, services

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

    refresh_s = []
    for _ in range(2):
        done = services.refresh_figures()
        refresh_s.append(done.seconds)

    def dashboard_city() -> Any:
        response = _page(city_client)()
        assert b'data-as-of="live"' not in response.content, (
            "the district dashboard did not read the snapshot"
        )
        return response

    def live_dashboard_city() -> Any:
        scopes = selectors._scopes(district)
        figures = selectors.Figures(
            can_residents=not scopes.residents.empty,
            can_places=not scopes.places.empty,
            can_cases=not scopes.cases.empty,
        )
        return selectors._count_live(figures, district)

    figures: dict[str, Callable[[], Any]] = {
        "dashboard_city": dashboard_city,
        "population_by_community": lambda: selectors.community_figures_visible_to(district),
        "key_populations_by_community": lambda: selectors.key_populations_by_community(district),
        "cases_by_community": lambda: selectors.case_figures_by_community(district),
    }
    results = {name: round(_warm(fn), 1) for name, fn in figures.items()}
    baseline = round(_warm(_page(community_client)), 1)
    return {
        "warm_ms": results,
        "live_ms": {"dashboard_city_figures_live": round(_warm(live_dashboard_city), 1)},
        "refresh_s": round(min(refresh_s), 2),
        "refresh_runs_s": refresh_s,
        "communities": done.communities,
        "baseline_dashboard_community_ms": baseline,
        "target_ms": TARGET_MS,
    }
