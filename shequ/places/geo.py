"""Geometry with shapely: boundary checks (a valid polygon, inside its parent, not overlapping
siblings) and the point-in-grid lookup `grid_at` over a spatial index."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from shequ.core.errors import RuleError

from .models import Grid


def to_shape(geojson: dict[str, Any] | None, *, field: str = "boundary") -> BaseGeometry | None:
    if not geojson:
        return None
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    try:
        if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValueError
        geom = shape(geojson)
    except Exception as exc:
        raise RuleError(
            "invalid_boundary",
            _("The boundary must be a GeoJSON Polygon or MultiPolygon."),
            fields={field: [_("Not a GeoJSON polygon.")]},
        ) from exc
    if geom.is_empty or not geom.is_valid:
        raise RuleError(
            "invalid_boundary",
            _("The boundary is not a valid polygon (it crosses itself or is empty)."),
            fields={field: [_("Invalid polygon.")]},
        )
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise RuleError(
            "invalid_boundary",
            _("The boundary coordinates are not longitude/latitude."),
            fields={field: [_("Coordinates out of range.")]},
        )
    return geom


def check_boundary(
    geojson: dict[str, Any] | None,
    *,
    parent: dict[str, Any] | None,
    siblings: Iterable[dict[str, Any] | None],
    field: str = "boundary",
) -> None:
    """Raise RuleError unless the polygon is valid, (almost) inside its parent and does not overlap
    a sibling by more than SHEQU_GRID_MAX_OVERLAP_RATIO of its area (drawn boundaries are imprecise)."""
    geom = to_shape(geojson, field=field)
    if geom is None:
        return
    tolerance = settings.SHEQU_GRID_MAX_OVERLAP_RATIO
    parent_geom = to_shape(parent, field=field) if parent else None
    if parent_geom is not None and geom.difference(parent_geom).area > tolerance * geom.area:
        raise RuleError(
            "outside_parent",
            _("The boundary lies outside its community's boundary."),
            fields={field: [_("Outside the community boundary.")]},
        )
    for sibling in siblings:
        other = to_shape(sibling)
        if other is not None and geom.intersection(other).area > tolerance * min(geom.area, other.area):
            raise RuleError(
                "overlaps_sibling",
                _("The boundary overlaps a neighbouring grid."),
                fields={field: [_("Overlaps a neighbouring grid.")]},
            )


# --- which grid is this point in ------------------------------------------------------------------
#
# One STRtree over every grid boundary, built on the first lookup in a process and rebuilt when the
# grids change. Whether they changed is read from the database on each lookup: the number of grids
# with a boundary, their largest id and their latest `updated_at` (every boundary change goes through
# `save()`, which stamps `updated_at`). That costs one aggregate query, where a version counter
# bumped by the services would need a cache shared by every process (the default cache is per
# process) and would miss a boundary changed in the admin or a shell.


@dataclass(frozen=True)
class _GridIndex:
    signature: tuple[Any, ...]
    tree: STRtree
    grid_ids: list[int]  # the tree's geometries, in the grids' order (path)


_index: _GridIndex | None = None
_index_lock = threading.Lock()


def _signature() -> tuple[Any, ...]:
    figures = Grid.objects.exclude(boundary=None).aggregate(
        n=Count("id"), last=Max("id"), at=Max("updated_at")
    )
    return (figures["n"], figures["last"], figures["at"])


def _build(signature: tuple[Any, ...]) -> _GridIndex:
    shapes: list[BaseGeometry] = []
    ids: list[int] = []
    for pk, boundary in Grid.objects.exclude(boundary=None).order_by("path").values_list("id", "boundary"):
        try:
            geom = to_shape(boundary)
        except RuleError:  # a stored boundary that no longer parses finds no point; it is not fatal
            continue
        if geom is not None:
            shapes.append(geom)
            ids.append(pk)
    return _GridIndex(signature, STRtree(shapes), ids)


def grid_index() -> _GridIndex:
    """The process's spatial index of grid boundaries, rebuilt when a grid changed."""
    global _index
    signature = _signature()
    index = _index
    if index is None or index.signature != signature:
        with _index_lock:
            if _index is None or _index.signature != signature:
                _index = _build(signature)
            index = _index
    return index


def grid_at(latitude: float, longitude: float) -> Grid | None:
    """The grid whose boundary contains a point, if any; where drawn grids overlap, the first by path.

    A point on a boundary line lies in no grid (shapely's `contains`), as it always has."""
    index = grid_index()
    point = Point(float(longitude), float(latitude))
    hits = index.tree.query(point, predicate="within")  # point within grid ⇔ grid contains point
    if len(hits) == 0:
        return None
    return Grid.objects.select_related("community").filter(pk=index.grid_ids[int(min(hits))]).first()
