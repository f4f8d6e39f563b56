"""Reads of places that need no viewer: the caller passes the queryset already scoped to its user
(places sits below accounts, so scope is applied by the app that knows the user)."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet

PICKER_LIMIT = 20  # what a person scans while typing; a district has 2,300 grids

M = TypeVar("M", bound=Model)


def match_places(qs: QuerySet[M], q: str, *, limit: int = PICKER_LIMIT) -> list[M]:
    """Nodes whose name contains `q` or whose code starts with it, in tree order, at most `limit`."""
    q = q.strip()[:64]
    if not q:
        return list(qs.order_by("path")[:limit])
    return list(qs.filter(Q(name__contains=q) | Q(code__startswith=q)).order_by("path")[:limit])
