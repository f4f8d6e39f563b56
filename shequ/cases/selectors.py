"""Reads of cases, scoped once here (DESIGN rule 1).

A user sees the cases under their `view_cases` scope (a grid worker their grid's, a street official
their street's), the cases sent to a unit they belong to, and the cases they reported themselves.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from shequ.accounts.roles import Perm
from shequ.accounts.scope import Scope, scope_for
from shequ.core import sealed
from shequ.core.parsing import normalize_phone
from shequ.registry.models import Building

from .models import (
    OPEN_STATUSES,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseStatus,
    CaseWarning,
    HandlerUnit,
    Light,
    Satisfaction,
    Stage,
)
from .rules import LEVEL_DEPTH, unit_ids_of


def phone_digest(phone: str) -> str:
    return sealed.digest_for(Case, "reporter_phone", phone)


def _base() -> QuerySet[Case]:
    return Case.objects.select_related("category", "community", "grid", "building", "lead_unit")


def cases_visible_to(user: Any) -> QuerySet[Case]:
    scope = scope_for(user, Perm.VIEW_CASES)
    if scope.everything:  # Q() | Q(x) is just Q(x): "everything" must not be OR-ed away
        return _base()
    q = scope.q()
    units = unit_ids_of(user)
    if units:
        co = Case.co_units.through.objects.filter(handlerunit_id__in=units).values("case_id")
        q |= Q(lead_unit_id__in=units) | Q(pk__in=co)
    if getattr(user, "pk", None):
        q |= Q(reporter_id=user.pk)
    return _base().filter(q)


def reported_by(user: Any) -> QuerySet[Case]:
    """The cases a logged-in user reported themselves, newest first (the portal's 我的上报)."""
    return _base().filter(reporter_id=user.pk).order_by("-reported_at", "-id")


def case_get_for(user: Any, pk: Any) -> Case:
    """The same 404 for a missing case and for one outside the user's reach."""
    qs = cases_visible_to(user).prefetch_related("co_units")
    try:
        if isinstance(pk, str) and len(pk) > 10:
            return qs.get(number=pk)
        return qs.get(pk=int(pk))
    except (ValueError, TypeError, Case.DoesNotExist) as exc:
        raise Http404 from exc


def attachment_get_for(user: Any, case_pk: Any, attachment_pk: Any) -> CaseAttachment:
    """A photo on a case the user can see; the same 404 otherwise."""
    case = case_get_for(user, case_pk)
    try:
        return case.attachments.get(pk=int(attachment_pk))
    except (ValueError, TypeError, CaseAttachment.DoesNotExist) as exc:
        raise Http404 from exc


def case_for_reporter(number: str, phone: str) -> Case | None:
    """The resident portal: a case is found by its number together with the reporter's phone."""
    number, phone = (number or "").strip(), normalize_phone(phone or "")
    if not number or not phone:
        return None
    return _base().filter(number=number, reporter_phone_digest=phone_digest(phone)).first()


def case_file(case: Case) -> QuerySet[Any]:
    return case.events.select_related("actor", "unit").prefetch_related("attachments").order_by("at", "id")


def public_categories() -> QuerySet[CaseCategory]:
    return CaseCategory.objects.filter(active=True, public=True).select_related("parent")


def active_categories() -> QuerySet[CaseCategory]:
    return CaseCategory.objects.filter(active=True).select_related("parent", "default_unit")


def units_serving(case: Case) -> QuerySet[HandlerUnit]:
    """Units a case may be sent to: those whose area contains the case's place."""
    at_or_above = Scope(False, (case.area_path,)).ancestors_q("area_path")
    return HandlerUnit.objects.filter(at_or_above, active=True).order_by("area_path", "kind", "name")


def units_visible_to(user: Any) -> QuerySet[HandlerUnit]:
    """Units a user may look up: those serving inside or above an area whose cases they see or which
    they configure (a community dispatches to county departments too), and their own units."""
    q = Q(pk__in=[])
    for perm in (Perm.VIEW_CASES, Perm.CONFIGURE):
        scope = scope_for(user, perm)
        if scope.everything:
            return HandlerUnit.objects.select_related("area")
        q |= scope.q() | scope.ancestors_q("area_path")
    units = unit_ids_of(user)
    if units:
        q |= Q(pk__in=units)
    return HandlerUnit.objects.filter(q).select_related("area")


# --- where ---------------------------------------------------------------------------------------


def building_near(latitude: float, longitude: float, metres: float = 150) -> Building | None:
    box = _box(latitude, longitude, metres)
    best: tuple[float, Building] | None = None
    for b in Building.objects.filter(**box).select_related("community", "grid"):
        d = distance_m(latitude, longitude, float(b.latitude or 0), float(b.longitude or 0))
        if d <= metres and (best is None or d < best[0]):
            best = (d, b)
    return best[1] if best else None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine); plenty for 50 m neighbourhoods."""
    r = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _box(latitude: float, longitude: float, metres: float, prefix: str = "") -> dict[str, Decimal]:
    dlat = metres / 111_320
    dlon = metres / (111_320 * max(math.cos(math.radians(latitude)), 0.01))
    return {
        f"{prefix}latitude__gte": Decimal(str(round(latitude - dlat, 6))),
        f"{prefix}latitude__lte": Decimal(str(round(latitude + dlat, 6))),
        f"{prefix}longitude__gte": Decimal(str(round(longitude - dlon, 6))),
        f"{prefix}longitude__lte": Decimal(str(round(longitude + dlon, 6))),
    }


# --- warnings ------------------------------------------------------------------------------------


def duplicate_candidates(case: Case) -> list[Case]:
    """Open cases of the same category at the same building or within 50 m, reported in the 7 days
    before this one (both figures are settings): offered to the worker as duplicates to merge."""
    since = case.reported_at - dt.timedelta(days=settings.SHEQU_CASE_DUPLICATE_DAYS)
    near = Q(building_id=case.building_id) if case.building_id else Q(pk__in=[])
    metres = settings.SHEQU_CASE_DUPLICATE_METRES
    if case.latitude is not None and case.longitude is not None:
        near |= Q(**_box(float(case.latitude), float(case.longitude), metres))
    candidates = (
        _base()
        .filter(near, category_id=case.category_id, status__in=OPEN_STATUSES, reported_at__gte=since)
        .exclude(pk=case.pk)
        .order_by("reported_at")[:20]
    )
    result = []
    for other in candidates:
        same_building = case.building_id is not None and other.building_id == case.building_id
        if same_building or (
            case.latitude is not None
            and other.latitude is not None
            and other.longitude is not None
            and case.longitude is not None
            and distance_m(
                float(case.latitude), float(case.longitude), float(other.latitude), float(other.longitude)
            )
            <= metres
        ):
            result.append(other)
    return result


def warnings_visible_to(user: Any, *, open_only: bool = True) -> QuerySet[CaseWarning]:
    qs = CaseWarning.objects.filter(scope_for(user, Perm.VIEW_CASES).q()).select_related(
        "category", "community", "grid", "building", "last_case"
    )
    return qs.filter(acknowledged_at=None) if open_only else qs


def light_q(light: str, now: dt.datetime) -> Q:
    """Cases whose running clock shows `light` at `now` (the thresholds of `clock.light_at`), so
    counts and filters never wait for the periodic job to have turned the stored light."""
    if light == Light.RED:
        return Q(due_at__lte=now)
    if light == Light.YELLOW:
        return Q(due_at__gt=now, warn_at__lte=now)
    return Q(due_at__gt=now) & (Q(warn_at__gt=now) | Q(warn_at=None))


def lights_by_community(cases: QuerySet[Case], *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Open cases per community with how many are due soon (yellow) and overdue (red) now; one query.
    A suspended case has no running clock, so it is open but neither."""
    now = now or timezone.now()
    rows = (
        cases.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("community_id", "community__name")
        .annotate(
            open=Count("id"),
            yellow=Count("id", filter=light_q(Light.YELLOW, now)),
            red=Count("id", filter=light_q(Light.RED, now)),
        )
        .order_by("-red", "-yellow", "community__name")
    )
    return [
        {
            "community_id": r["community_id"],
            "name": r["community__name"],
            "open": r["open"],
            "yellow": r["yellow"],
            "red": r["red"],
        }
        for r in rows
    ]


def units_for_setup(user: Any) -> QuerySet[HandlerUnit]:
    """Handler units serving an area the user configures (Perm.CONFIGURE), with member counts."""
    return (
        HandlerUnit.objects.filter(scope_for(user, Perm.CONFIGURE).q())
        .select_related("area")
        .annotate(n_members=Count("unitmember"))
    )


# --- what is due ---------------------------------------------------------------------------------


def responsible_q(user: Any) -> Q:
    """Cases whose running stage waits on this user: the desk for accept, dispatch and verify
    (at the case's level), the unit for handling."""
    q = Q(pk__in=[])
    manage = scope_for(user, Perm.MANAGE_CASES)
    desk = Q(stage__in=[Stage.ACCEPT, Stage.DISPATCH, Stage.VERIFY])
    if manage.everything:
        q |= desk
    else:
        for path in manage.paths:
            depth = len(path.split("."))
            levels = [lv for lv, d in LEVEL_DEPTH.items() if d >= depth]
            q |= desk & Q(area_path__startswith=path, level__in=levels)
    verify = scope_for(user, Perm.VERIFY_CASES)
    if not verify.empty:
        q |= Q(stage=Stage.VERIFY) & verify.q()
    units = unit_ids_of(user)
    if units:
        q |= Q(stage=Stage.HANDLE, lead_unit_id__in=units)
    return q


def my_cases(user: Any, light: str | None = None) -> QuerySet[Case]:
    """The to-do list: open cases waiting on this user, most urgent first."""
    qs = _base().filter(responsible_q(user), status__in=OPEN_STATUSES).exclude(status=CaseStatus.SUSPENDED)
    if light:
        qs = qs.filter(light=light)
    return qs.order_by("due_at", "id")


def due_soon_for(user: Any) -> QuerySet[Case]:
    return my_cases(user, Light.YELLOW)


def overdue_for(user: Any) -> QuerySet[Case]:
    return my_cases(user, Light.RED)


# --- figures -------------------------------------------------------------------------------------

FIGURE_GROUPS = {
    "community": ("community_id", "community__name"),
    "unit": ("lead_unit_id", "lead_unit__name"),
    "category": ("category_id", "category__name"),
}
RESOLVED = [CaseStatus.TO_EVALUATE, CaseStatus.CLOSED]


def _figure_aggregates(now: dt.datetime) -> dict[str, Any]:
    """The aggregates behind every figure: per group in `case_figures`, over everything in
    `case_figure_totals`, so the total row is weighted exactly like the rows."""
    resolved = Q(status__in=RESOLVED)
    evaluated = ~Q(satisfaction="")
    return {
        "reported": Count("id"),
        "accepted": Count("id", filter=Q(accepted_at__isnull=False)),
        "resolved": Count("id", filter=resolved),
        "on_time": Count("id", filter=resolved & Q(overdue_ever=False)),
        "avg_hours": Avg("handling_hours", filter=resolved),
        "evaluated": Count("id", filter=evaluated),
        "satisfied": Count("id", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])),
        "reopened": Count("id", filter=resolved & Q(reopen_count__gt=0)),
        "overdue_now": Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        "open_now": Count("id", filter=Q(status__in=OPEN_STATUSES)),
    }


def _figure_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "reported": row["reported"],
        "accepted": row["accepted"],
        "resolved": row["resolved"],
        "open": row["open_now"],
        "overdue_now": row["overdue_now"],
        "on_time_rate": _rate(row["on_time"], row["resolved"]),
        "avg_handling_hours": round(row["avg_hours"], 1) if row["avg_hours"] is not None else None,
        "satisfaction_rate": _rate(row["satisfied"], row["evaluated"]),
        "reopen_rate": _rate(row["reopened"], row["resolved"]),
    }


def case_figures(
    cases: QuerySet[Case], *, by: str = "community", now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Per community, unit or category: accepted, on-time rate, average handling time (working
    hours), satisfaction rate, reopen rate and overdue now. One grouped query whatever the size."""
    now = now or timezone.now()
    key, label = FIGURE_GROUPS[by]
    rows = cases.order_by().values(key, label).annotate(**_figure_aggregates(now)).order_by(label)
    return [{"key": row[key], "name": row[label] or "—", **_figure_row(row)} for row in rows]


def case_figure_totals(cases: QuerySet[Case], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The total row of `case_figures`: the same aggregates over the whole queryset in one query,
    so rates are weighted by their denominators (not an average of the rows' rates)."""
    totals = cases.order_by().aggregate(**_figure_aggregates(now or timezone.now()))
    return {"key": None, "name": "", **_figure_row(totals)}


def _count_aggregates(now: dt.datetime) -> dict[str, Any]:
    """`_figure_aggregates` as counts and sums only, which add up across communities."""
    aggregates = _figure_aggregates(now)
    del aggregates["avg_hours"]
    resolved = Q(status__in=RESOLVED)
    aggregates["hours_sum"] = Sum("handling_hours", filter=resolved)
    aggregates["hours_n"] = Count("handling_hours", filter=resolved)
    return aggregates


def case_counts_by_community(
    cases: QuerySet[Case] | None = None, *, now: dt.datetime | None = None
) -> dict[int, dict[str, Any]]:
    """The counts behind `case_figures` per community id (of every case when `cases` is None), in
    one grouped query. Rates do not add up across communities but these do, so insight keeps them
    in its snapshot and turns any sum of them back into figures with `figures_from_counts`."""
    cases = Case.objects.all() if cases is None else cases
    rows = cases.order_by().values("community_id").annotate(**_count_aggregates(now or timezone.now()))
    return {row["community_id"]: {k: v or 0 for k, v in row.items() if k != "community_id"} for row in rows}


def figures_from_counts(counts: dict[str, Any]) -> dict[str, Any]:
    """A `case_figures` row (rates, average handling time) from counts summed over communities."""
    n = counts.get("hours_n") or 0
    return _figure_row({**counts, "avg_hours": counts.get("hours_sum", 0) / n if n else None})


def figure_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A total row computed from the same grouped rows (weighted, not an average of rates)."""
    total: dict[str, Any] = {
        "name": "",
        "reported": 0,
        "accepted": 0,
        "resolved": 0,
        "open": 0,
        "overdue_now": 0,
    }
    for row in rows:
        for k in ("reported", "accepted", "resolved", "open", "overdue_now"):
            total[k] += row[k]
    return total


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def monthly_counts(cases: QuerySet[Case], months: int = 12) -> list[dict[str, Any]]:
    """Reported and resolved per month, for the chart on the figures page."""
    since = timezone.now() - dt.timedelta(days=31 * months)
    rows = (
        cases.filter(reported_at__gte=since)
        .order_by()
        .annotate(month=TruncMonth("reported_at"))
        .values("month")
        .annotate(reported=Count("id"), resolved=Count("id", filter=Q(status__in=RESOLVED)))
        .order_by("month")
    )
    return [
        {"month": r["month"].strftime("%Y-%m"), "reported": r["reported"], "resolved": r["resolved"]}
        for r in rows
    ]
