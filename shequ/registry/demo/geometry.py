"""Plausible boundaries for the demo: communities on a lattice of rectangles around Wuyi's old
town (lng 119.81, lat 28.90), each split into grid rectangles and each grid into micro-grids.

Every split shares its cut lines between neighbours (the same rounded numbers), so siblings
touch but never overlap and leave no gaps, as CJ/T 213 asks of unit grids. Grids are numbered
west to east, north to south.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from shapely.geometry import box, mapping
from shapely.ops import unary_union

CENTRE = (119.81, 28.90)
# One community ≈ 0.85 km × 0.75 km (Kunming's norm: 0.3–0.5 km² of built-up land, plus roads).
CELL_W, CELL_H = 0.0088, 0.0068
NDIGITS = 6


@dataclass(frozen=True)
class Rect:
    west: float
    south: float
    east: float
    north: float

    def geojson(self) -> dict[str, Any]:
        w, s, e, n = self.west, self.south, self.east, self.north
        return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}

    def shape(self) -> Any:
        return box(self.west, self.south, self.east, self.north)

    def point_inside(self, rng: random.Random, margin: float = 0.15) -> tuple[float, float]:
        """A (lng, lat) inside the rectangle, away from its edges."""
        fx, fy = rng.uniform(margin, 1 - margin), rng.uniform(margin, 1 - margin)
        return (
            round(self.west + fx * (self.east - self.west), NDIGITS),
            round(self.south + fy * (self.north - self.south), NDIGITS),
        )


def _cuts(rng: random.Random, start: float, end: float, parts: int, jitter: float = 0.25) -> list[float]:
    """parts+1 rounded cut positions from start to end with uneven spacing."""
    weights = [rng.uniform(1 - jitter, 1 + jitter) for _ in range(parts)]
    total = sum(weights)
    out, acc = [round(start, NDIGITS)], 0.0
    for w in weights[:-1]:
        acc += w
        out.append(round(start + (end - start) * acc / total, NDIGITS))
    out.append(round(end, NDIGITS))
    return out


def lattice(rng: random.Random, count: int) -> list[Rect]:
    """`count` community rectangles in snake order (west→east, then east→west on the next row
    south), so any run of consecutive cells is connected and a street's union is one polygon."""
    cols = max(1, math.ceil(math.sqrt(count * 1.2)))
    rows = math.ceil(count / cols)
    west = CENTRE[0] - cols * CELL_W / 2
    north = CENTRE[1] + rows * CELL_H / 2
    xs = _cuts(rng, west, west + cols * CELL_W, cols, jitter=0.15)
    ys = _cuts(rng, north, north - rows * CELL_H, rows, jitter=0.15)  # descending: north to south
    cells: list[Rect] = []
    for r in range(rows):
        order = range(cols) if r % 2 == 0 else range(cols - 1, -1, -1)
        for c in order:
            if len(cells) == count:
                break
            cells.append(Rect(xs[c], ys[r + 1], xs[c + 1], ys[r]))
    return cells


def split(rng: random.Random, rect: Rect, parts: int) -> list[Rect]:
    """Split a rectangle into `parts` rectangles: rows north to south, cells west to east."""
    parts = max(1, parts)
    aspect = (rect.north - rect.south) / max(rect.east - rect.west, 1e-9)
    rows = min(parts, max(1, round(math.sqrt(parts * aspect))))
    per_row = [parts // rows + (1 if i < parts % rows else 0) for i in range(rows)]
    ys = _cuts(rng, rect.north, rect.south, rows)
    out: list[Rect] = []
    for r, n in enumerate(per_row):
        xs = _cuts(rng, rect.west, rect.east, n)
        out.extend(Rect(xs[c], ys[r + 1], xs[c + 1], ys[r]) for c in range(n))
    return out


def union_geojson(rects: list[Rect], *, pad: float = 0.0) -> dict[str, Any]:
    """The union of rectangles (a street), or its padded envelope (the county, which reaches far
    beyond the town into villages and hills)."""
    geom = unary_union([r.shape() for r in rects])
    if pad:
        minx, miny, maxx, maxy = geom.bounds
        return Rect(
            round(minx - pad, NDIGITS),
            round(miny - pad, NDIGITS),
            round(maxx + pad, NDIGITS),
            round(maxy + pad, NDIGITS),
        ).geojson()
    return _plain(mapping(geom.simplify(0)))


def _plain(value: Any) -> Any:
    """shapely's mapping() uses tuples; JSON fields and comparisons want lists."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, float):
        return round(value, NDIGITS)
    return value


def roads(rects: list[Rect], road_names: list[str]) -> list[list[tuple[str, dict[str, Any]]]]:
    """The streets of the demo town: the lines between its community rectangles (the lattice's
    cuts), each named once for the whole town, as (name, GeoJSON LineString) per rectangle's edge,
    a list per rectangle. No randomness: the rest of the demo is drawn as before."""
    xs = sorted({r.west for r in rects} | {r.east for r in rects})
    ys = sorted({r.south for r in rects} | {r.north for r in rects}, reverse=True)  # north to south
    ns_names = {x: road_names[(2 * i) % len(road_names)] for i, x in enumerate(xs)}
    ew_names = {y: road_names[(2 * i + 1) % len(road_names)] for i, y in enumerate(ys)}

    def line(a: tuple[float, float], b: tuple[float, float]) -> dict[str, Any]:
        return {"type": "LineString", "coordinates": [list(a), list(b)]}

    return [
        [
            (ew_names[r.north], line((r.west, r.north), (r.east, r.north))),
            (ew_names[r.south], line((r.west, r.south), (r.east, r.south))),
            (ns_names[r.west], line((r.west, r.south), (r.west, r.north))),
            (ns_names[r.east], line((r.east, r.south), (r.east, r.north))),
        ]
        for r in rects
    ]
