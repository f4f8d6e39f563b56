"""Boundary checks with shapely: a valid polygon, inside its parent, not overlapping siblings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from shequ.core.errors import RuleError


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
