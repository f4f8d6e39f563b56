"""Reads of accounts that the pages and the API share: one's live API tokens, the nodes an admin
may give a role at."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from shequ.places.models import Area, AreaLevel, Grid, MicroGrid

from .models import User
from .roles import Perm
from .scope import scope_for


def live_tokens_of(user: User) -> QuerySet[AuthToken]:
    """The user's API tokens that still work, newest first. Only the digest and the first
    characters of the key (`token_key`, knox's look-up prefix, not enough to authenticate) are stored."""
    return (
        AuthToken.objects.filter(user=user)
        .exclude(expiry__lte=timezone.now())
        .order_by("-created", "-digest")
    )


def assignable_nodes(user: Any) -> dict[str, QuerySet[Any]]:
    """Areas (below the city), current grids and micro-grids inside the admin's user-management
    scope, by the tag the role forms post them with ("area:<pk>", "grid:<pk>", "microgrid:<pk>")."""
    scope = scope_for(user, Perm.MANAGE_USERS)
    return {
        "area": Area.objects.filter(scope.q("path")).exclude(level=AreaLevel.CITY),
        "grid": Grid.objects.filter(scope.q("path"), end_date__isnull=True).select_related("community"),
        "microgrid": MicroGrid.objects.filter(scope.q("path")).select_related("grid"),
    }
