"""grid_at over the spatial index answers what the old loop over every grid answered."""

from __future__ import annotations

import io
import itertools
import random
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from shapely.geometry import Point, shape

from shequ.accounts.models import User
from shequ.places import geo
from shequ.places.models import Grid
from shequ.registry import services as registry
from shequ.testing import County, make_user


def loop_grid_at(latitude: float, longitude: float) -> Grid | None:
    """The lookup cases used before the index: every grid, in path order, the first that contains it."""
    point = Point(float(longitude), float(latitude))
    for grid in (
        Grid.objects.exclude(boundary=None)
        .select_related("community")
        .only("id", "path", "boundary", "community")
    ):
        boundary = geo.to_shape(grid.boundary)
        if boundary is not None and boundary.contains(point):
            return grid
    return None


@pytest.fixture
def demo_county(db: Any, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", scale=2000, seed=7, stdout=io.StringIO())


def sample_points(grids: list[Grid]) -> list[tuple[float, float]]:
    """(lat, lon) inside every grid, on every corner and edge of it, just outside it, and at random."""
    rng = random.Random(11)
    points: list[tuple[float, float]] = []
    shapes = [shape(g.boundary) for g in grids]
    for s in shapes:
        inside = s.representative_point()
        points.append((inside.y, inside.x))
        polygons = getattr(s, "geoms", [s])
        for (x1, y1), (x2, y2) in (pair for p in polygons for pair in itertools.pairwise(p.exterior.coords)):
            points.append((y1, x1))  # a corner
            points.append(((y1 + y2) / 2, (x1 + x2) / 2))  # the middle of an edge
        minx, miny, maxx, maxy = s.bounds
        points.append((miny - 1e-6, minx - 1e-6))  # just outside a corner
    minx = min(s.bounds[0] for s in shapes) - 0.01
    miny = min(s.bounds[1] for s in shapes) - 0.01
    maxx = max(s.bounds[2] for s in shapes) + 0.01
    maxy = max(s.bounds[3] for s in shapes) + 0.01
    points += [(rng.uniform(miny, maxy), rng.uniform(minx, maxx)) for _ in range(400)]
    points += [(0.0, 0.0), (39.9, 116.4)]  # far away: no grid
    return points


def test_grid_at_answers_what_the_old_loop_answered_on_the_demo_county(
    demo_county: None, django_assert_num_queries: Any
) -> None:
    grids = list(Grid.objects.exclude(boundary=None).order_by("path"))
    assert len(grids) >= 6
    points = sample_points(grids)
    answers = [(geo.grid_at(lat, lon), loop_grid_at(lat, lon)) for lat, lon in points]
    assert all(new == old for new, old in answers)
    found = [new for new, _ in answers if new is not None]
    # The sample is not trivial: every grid is found, and many points (borders, outside) find none.
    assert {g.pk for g in found} == {g.pk for g in grids}
    assert len(found) < len(points) - 50
    # Once built, a lookup asks whether any grid changed, then loads the grid with its community.
    lat, lon = next((lat, lon) for (lat, lon), (new, _) in zip(points, answers, strict=True) if new)
    with django_assert_num_queries(2):
        grid = geo.grid_at(lat, lon)
        assert grid is not None and grid.community.name


def test_the_index_is_built_once_and_rebuilt_when_a_boundary_changes(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[Any] = []
    build = geo._build
    monkeypatch.setattr(geo, "_build", lambda signature: builds.append(signature) or build(signature))
    grid = county.grid_a1_1  # square(119.80, 28.90, 0.01)
    assert geo.grid_at(28.905, 119.805) == grid
    assert geo.grid_at(28.905, 119.805) == grid
    assert len(builds) == 1

    admin: User = make_user("district_admin", county.district)
    # Shrink the grid to its western half: the eastern point leaves it, on the next lookup.
    half = {
        "type": "Polygon",
        "coordinates": [
            [[119.80, 28.90], [119.805, 28.90], [119.805, 28.91], [119.80, 28.91], [119.80, 28.90]]
        ],
    }
    with transaction.atomic():
        registry.change_grid_boundary(grid, boundary=half, by=admin)
    assert geo.grid_at(28.905, 119.807) is None
    assert geo.grid_at(28.905, 119.802) == grid
    assert len(builds) == 2
