"""GeoJSON FeatureCollections of grids, micro-grids and areas for the API and the map page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


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
