"""工作台: the figures of the user's scope, counted with a few aggregate queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.roles import Perm

from .. import selectors
from ..models import HouseholdStatus, ResidenceType, ResidentStatus

# Age pyramid bands: (label, youngest, oldest)
PYRAMID = [
    ("0-9", 0, 9),
    ("10-19", 10, 19),
    ("20-29", 20, 29),
    ("30-39", 30, 39),
    ("40-49", 40, 49),
    ("50-59", 50, 59),
    ("60-69", 60, 69),
    ("70-79", 70, 79),
    ("80+", 80, 150),
]


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _born_between(today: dt.date, low: int, high: int) -> Q:
    """Aged `low` to `high` years today."""
    return Q(birth_date__gt=_years_ago(today, high + 1), birth_date__lte=_years_ago(today, low))


def _age_pyramid(residents: Any, today: dt.date) -> dict[str, Any]:
    """Men and women per ten-year band, in one query."""
    aggregates = {}
    for label, low, high in PYRAMID:
        band = _born_between(today, low, high)
        aggregates[f"m{label}"] = Count("id", filter=band & Q(gender="1"))
        aggregates[f"f{label}"] = Count("id", filter=band & Q(gender="2"))
    counts = residents.aggregate(**aggregates)
    labels = [label for label, _low, _high in PYRAMID]
    men = [-counts[f"m{label}"] for label in labels]
    women = [counts[f"f{label}"] for label in labels]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": [_("Men"), _("Women")], "top": 0},
        "grid": {"left": 50, "right": 20, "top": 30, "bottom": 24},
        "absValues": True,
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": labels, "axisTick": {"show": False}},
        "series": [
            {
                "name": _("Men"),
                "type": "bar",
                "stack": "total",
                "data": men,
                "itemStyle": {"color": "#3b82f6"},
            },
            {
                "name": _("Women"),
                "type": "bar",
                "stack": "total",
                "data": women,
                "itemStyle": {"color": "#e8676b"},
            },
        ],
    }


def _residence_pie(residents: Any) -> dict[str, Any]:
    rows = dict(residents.order_by().values_list("residence_type").annotate(n=Count("id")))
    data = [
        {"name": str(label), "value": rows.get(value, 0)}
        for value, label in ResidenceType.choices
        if rows.get(value)
    ]
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"bottom": 0},
        "color": ["#c8372d", "#f59e0b", "#3b82f6", "#10b981"],
        "series": [
            {
                "type": "pie",
                "radius": ["42%", "70%"],
                "center": ["50%", "45%"],
                "data": data,
                "label": {"formatter": "{b}\n{c}"},
            }
        ],
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    can_residents = selectors.can(user, Perm.VIEW_RESIDENTS)
    can_places = selectors.can(user, Perm.VIEW_PLACES)
    ctx: dict[str, Any] = {"can_residents": can_residents, "can_places": can_places}
    if can_places:
        ctx["n_buildings"] = selectors.buildings_visible_to(user).count()
        ctx["n_grids"] = selectors.grids_visible_to(user).filter(end_date__isnull=True).count()
        ctx["n_organizations"] = selectors.organizations_visible_to(user).filter(active=True).count()
    if can_residents:
        today = timezone.localdate()
        residents = selectors.residents_visible_to(user, with_tags=False).filter(status=ResidentStatus.ACTIVE)
        ctx["residents"] = residents.aggregate(
            total=Count("id"),
            floating=Count("id", filter=Q(residence_type=ResidenceType.FLOATING)),
            elderly=Count("id", filter=Q(birth_date__lte=_years_ago(today, 60))),
        )
        ctx["n_households"] = (
            selectors.households_visible_to(user).filter(status=HouseholdStatus.ACTIVE).count()
        )
        ctx["tag_counts"] = list(
            selectors.resident_tags_visible_to(user)
            .filter(resident__status=ResidentStatus.ACTIVE)
            .order_by()
            .values("tag__code", "tag__name", "tag__restricted", "tag__sort")
            .annotate(n=Count("id"))
            .order_by("tag__sort", "tag__code")
        )
        ctx["pyramid"] = _age_pyramid(residents, today)
        ctx["residence"] = _residence_pie(residents)
    return render(request, "registry/dashboard.html", ctx)
