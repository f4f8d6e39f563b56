"""A grid's page: its team, micro-grids, counts with links to the lists, key populations, a link to
its open cases and its boundary on a small map.

Cases stay out of it: the registry sits below `cases` in the layering, so the page links to the
case list filtered to the grid instead of counting cases itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.accounts.decorators import perm_required
from shequ.accounts.roles import Perm
from shequ.accounts.scope import has_perm_anywhere
from shequ.core import codes

from .. import selectors
from ..models import ResidentStatus


@perm_required(Perm.VIEW_PLACES)
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    grid = selectors.grid_get_for(user, pk)
    can_residents = selectors.can(user, Perm.VIEW_RESIDENTS, grid)
    micro_grids = list(grid.micro_grids.order_by("code"))
    counts = {
        "buildings": selectors.buildings_visible_to(user).filter(grid=grid).count(),
        "organizations": selectors.organizations_visible_to(user).filter(grid=grid).count(),
    }
    key_populations: list[Any] = []
    if can_residents:
        counts["households"] = (
            selectors.households_visible_to(user).filter(selectors.under(grid.path)).count()
        )
        counts["residents"] = (
            selectors.residents_visible_to(user, with_tags=False)
            .filter(grid=grid, status=ResidentStatus.ACTIVE)
            .count()
        )
    if selectors.can(user, Perm.VIEW_KEY_POPULATIONS, grid):
        key_populations = list(
            selectors.resident_tags_visible_to(user)
            .filter(resident__grid=grid, resident__status=ResidentStatus.ACTIVE)
            .values("tag__code", "tag__name", "tag__name_en", "tag__restricted")
            .annotate(n=Count("resident_id", distinct=True))
            .order_by("tag__group", "tag__code")
        )
        for k in key_populations:
            k["label"] = codes.display_name(k["tag__name"], k["tag__name_en"])
    return render(
        request,
        "registry/grid_detail.html",
        {
            "grid": grid,
            "team": list(selectors.grid_team(grid)),
            "micro_grids": micro_grids,
            "counts": counts,
            "can_residents": can_residents,
            "key_populations": key_populations,
            "can_cases": has_perm_anywhere(user, Perm.VIEW_CASES),
            "boundaries": {
                "grid": grid.boundary,
                "micro_grids": [m.boundary for m in micro_grids if m.boundary],
            },
        },
    )
