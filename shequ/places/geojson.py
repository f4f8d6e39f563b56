"""GeoJSON FeatureCollections of grids, micro-grids and areas for the API and the map page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shapely.geometry import mapping, shape


def feature(obj: Any, *, kind: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": obj.code,
        "geometry": obj.boundary,
        "properties": {"code": obj.code, "name": obj.name, "kind": kind, "path": obj.path, **(extra or {})},
    }


def feature_collection(objs: Iterable[Any], *, kind: str) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [feature(o, kind=kind) for o in objs if o.boundary],
    }


def label_points(objs: Iterable[Any], *, kind: str) -> dict[str, Any]:
    """Where to write each area's name on a map: a point inside its boundary (not the centroid,
    which can fall outside an L-shaped grid)."""
    features = []
    for o in objs:
        if not o.boundary:
            continue
        try:
            point = shape(o.boundary).representative_point()
        except (ValueError, TypeError, KeyError, AttributeError):
            continue  # a boundary that is not a polygon has no place for a name
        features.append(
            {
                "type": "Feature",
                "id": o.code,
                "geometry": mapping(point),
                "properties": {"name": o.name, "kind": kind},
            }
        )
    return {"type": "FeatureCollection", "features": features}
