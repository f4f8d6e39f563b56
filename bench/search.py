"""Search benchmark: the resident search box as the list page and the API run it.

For each user (a community worker, a street admin, a district admin) and each kind of query
(name, pinyin initials, full pinyin, ID number, phone, last four digits) we time what one list
request costs the database: the scoped, searched count and the first page of 50 with its joins
and tag prefetch. Queries come from residents the user can actually see, so most have hits.
Baseline: a resident fetched by primary key through the same scoped selector.
"""

from __future__ import annotations

import random
import time
from typing import Any

from django.contrib.auth import get_user_model

from shequ.core import crypto
from shequ.core.paging import ByIds
from shequ.registry import selectors
from shequ.registry.models import IdType, Resident

from .stats import summary_ms

USERS = ("worker", "street", "district")
KINDS = ("name", "initials", "pinyin", "id_number", "phone", "last4")
PAGE = 50


def _sample(user: Any, n: int, rng: random.Random) -> list[Resident]:
    qs = selectors.residents_visible_to(user, with_tags=False)
    bounds = Resident.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first() or 0, bounds.last() or 0
    out: dict[int, Resident] = {}
    for _ in range(40):
        ids = [rng.randint(low, high) for _ in range(n * 20)]
        for r in qs.filter(pk__in=ids).exclude(phone_cipher=""):
            out.setdefault(r.pk, r)
        if len(out) >= n:
            break
    rows = list(out.values())
    rng.shuffle(rows)
    return rows[:n]


def _query(kind: str, r: Resident) -> str | None:
    if kind == "name":
        return r.name
    if kind == "initials":
        return r.name_initials
    if kind == "pinyin":
        return r.name_pinyin
    if kind == "id_number":
        return crypto.decrypt(r.id_number_cipher) if r.id_type == IdType.RESIDENT_ID else None
    phone = crypto.decrypt(r.phone_cipher) if r.phone_cipher else ""
    if kind == "phone":
        return phone or None
    return phone[-4:] if phone else None


def _one(user: Any, text: str) -> tuple[float, int]:
    started = time.perf_counter()
    # As the resident list page reads it: counted, and paged by ids first (core.paging.ByIds).
    rows = ByIds(selectors.search_residents(selectors.residents_visible_to(user), text))
    count = rows.count()
    rows[:PAGE]
    return time.perf_counter() - started, count


def run(per_kind: int = 30) -> dict[str, Any]:
    rng = random.Random(5)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=USERS)}
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    by_user: dict[str, list[float]] = {u: [] for u in USERS}
    baseline: list[float] = []
    hits = 0
    queries = 0
    for username in USERS:
        user = users[username]
        sample = _sample(user, per_kind, rng)
        # Warm the connection and the scope lookups once, as a running server would be.
        _one(user, sample[0].name)
        for kind in KINDS:
            for r in sample:
                text = _query(kind, r)
                if not text:
                    continue
                seconds, count = _one(user, text)
                times[kind].append(seconds)
                by_user[username].append(seconds)
                hits += count > 0
                queries += 1
        for r in sample:
            started = time.perf_counter()
            selectors.resident_get_for(user, r.pk)
            baseline.append(time.perf_counter() - started)
    everything = [t for ts in times.values() for t in ts]
    return {
        "queries": queries,
        "with_hits": hits,
        "all": summary_ms(everything),
        "by_kind": {k: summary_ms(v) for k, v in times.items()},
        "by_user": {u: summary_ms(v) for u, v in by_user.items()},
        "baseline_get_by_pk": summary_ms(baseline),
    }
