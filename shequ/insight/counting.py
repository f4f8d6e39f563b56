"""The aggregates behind the dashboard, shared by the live count and the snapshot refresh, so both
count a resident in exactly the same band."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q

from shequ.registry.models import ResidenceType

# Age pyramid bands: (label, youngest, oldest)
PYRAMID = [
    ("0-9", 0, 9),
    ("10-19", 10, 19),
    ("20-29", 20, 29),
    ("30-39", 30, 39),
    ("40-49", 40, 49),
    ("50-59", 50, 59),
    ("60-69", 60, 69),
    ("70-79", 70, 79),
    ("80+", 80, 150),
]
ELDERLY_AGE = 60
SEXES = (("m", "1"), ("f", "2"))  # GB/T 2261.1: 1 male, 2 female


def years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def born_between(today: dt.date, low: int, high: int) -> Q:
    """Aged `low` to `high` years today."""
    return Q(birth_date__gt=years_ago(today, high + 1), birth_date__lte=years_ago(today, low))


def population_aggregates(today: dt.date) -> dict[str, Any]:
    """Over active residents: total, floating, elderly, men and women per age band
    (`m0-9`, `f0-9`, ...) and residents per residence type (`rt_<value>`), all in one pass."""
    aggregates: dict[str, Any] = {
        "total": Count("id"),
        "floating": Count("id", filter=Q(residence_type=ResidenceType.FLOATING)),
        "elderly": Count("id", filter=Q(birth_date__lte=years_ago(today, ELDERLY_AGE))),
    }
    for label, low, high in PYRAMID:
        band = born_between(today, low, high)
        for prefix, code in SEXES:
            aggregates[f"{prefix}{label}"] = Count("id", filter=band & Q(gender=code))
    for value in ResidenceType.values:
        aggregates[f"rt_{value}"] = Count("id", filter=Q(residence_type=value))
    return aggregates


def age_bands(row: dict[str, Any]) -> dict[str, int]:
    return {f"{p}{label}": row.get(f"{p}{label}") or 0 for label, _lo, _hi in PYRAMID for p, _c in SEXES}


def residence_types(row: dict[str, Any]) -> dict[str, int]:
    return {value: row.get(f"rt_{value}") or 0 for value in ResidenceType.values}
