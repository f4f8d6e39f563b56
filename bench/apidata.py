"""What the API benchmark and the load scenario need from the city: tokens and ids in scope."""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import get_user_model
from knox.models import AuthToken

from shequ.registry import selectors

USERS = ("worker", "street", "district", "grid")


def _sample(ids: list[int], n: int, rng: random.Random) -> list[int]:
    return rng.sample(ids, min(n, len(ids)))


def setup() -> dict[str, Any]:
    rng = random.Random(11)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=USERS)}
    # knox keeps only digests: a fresh token per run, valid for SHEQU_TOKEN_TTL_HOURS (ample for a run).
    tokens = {name: AuthToken.objects.create(user=user)[1] for name, user in users.items()}
    worker = users["worker"]
    residents = list(selectors.residents_visible_to(worker, with_tags=False).values_list("pk", flat=True))
    names = list(
        selectors.residents_visible_to(worker, with_tags=False)
        .filter(pk__in=_sample(residents, 300, rng))
        .values_list("name", "name_initials")
    )
    grids = list(
        selectors.grids_visible_to(worker).filter(community__isnull=False).values_list("code", flat=True)
    )
    out: dict[str, Any] = {
        "tokens": tokens,
        "residents": _sample(residents, 500, rng),
        "search": sorted({t for pair in names for t in pair if t}),
        "grids": grids,
        "cases": [],
        "categories": [],
    }
    try:
        from shequ.cases import selectors as cases

        case_ids = list(cases.cases_visible_to(worker).values_list("pk", flat=True))
        out["cases"] = _sample(case_ids, 300, rng)
        out["categories"] = list(
            cases.active_categories().filter(children__isnull=True).values_list("code", flat=True)
        )
    except ImportError:
        pass
    return out
