"""Reads for the user pages: the nodes an admin may give a role at."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequ.places.models import Area, AreaLevel, Grid, MicroGrid

from .roles import Perm
from .scope import scope_for


def assignable_nodes(user: Any) -> dict[str, QuerySet[Any]]:
    """Areas (below the city), current grids and micro-grids inside the admin's user-management
    scope, by the tag the role forms post them with ("area:<pk>", "grid:<pk>", "microgrid:<pk>")."""
    scope = scope_for(user, Perm.MANAGE_USERS)
    return {
        "area": Area.objects.filter(scope.q("path")).exclude(level=AreaLevel.CITY),
        "grid": Grid.objects.filter(scope.q("path"), end_date__isnull=True).select_related("community"),
        "microgrid": MicroGrid.objects.filter(scope.q("path")).select_related("grid"),
    }
