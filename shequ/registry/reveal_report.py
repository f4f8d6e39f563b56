"""Who revealed how many numbers, for what, and who hit the limit: the reveal report a community
head (and the street and district above) reads per worker (docs/security.md, finding 5).

Scoped like the audit log (view_audit over the events' area paths) and counted in four queries
whatever the number of workers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.accounts.models import RoleAssignment
from shequ.accounts.roles import ROLE_PERMISSIONS, Perm
from shequ.accounts.scope import Scope, scope_for
from shequ.audit.models import AuditEvent

from .models import RevealAlert, RevealPurpose
from .reveal_rules import REVEAL_ACTIONS

UNSTATED = ""  # reveals recorded before a purpose was asked for
REVEALING_ROLES = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.REVEAL_PII in perms]


@dataclass
class WorkerReveals:
    user_id: int
    username: str
    name: str
    total: int = 0
    by_purpose: dict[str, int] = field(default_factory=dict)
    limit_days: list[dt.date] = field(default_factory=list)

    def purpose_counts(self) -> list[int]:
        return [self.by_purpose.get(code, 0) for code in (*RevealPurpose.values, UNSTATED)]


def report_scope(user: Any) -> Scope:
    return scope_for(user, Perm.VIEW_AUDIT)


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def reveal_events_visible_to(user: Any, *, since: dt.date, until: dt.date) -> QuerySet[AuditEvent]:
    start, end = _bounds(since, until)
    return AuditEvent.objects.filter(
        report_scope(user).q("area_path"), action__in=REVEAL_ACTIONS, at__gte=start, at__lt=end
    )


def reveal_alerts_visible_to(user: Any) -> QuerySet[RevealAlert]:
    return RevealAlert.objects.filter(report_scope(user).q("area_path"))


def unread_alert_count(user: Any) -> int:
    scope = report_scope(user)
    if scope.empty:
        return 0
    return RevealAlert.objects.filter(scope.q("area_path"), seen_at__isnull=True).count()


def worker_reveals(user: Any, *, since: dt.date, until: dt.date) -> list[WorkerReveals]:
    """One row per worker who may reveal in the viewer's scope, or who revealed there: their
    reveals by purpose, and the days they hit the limit. Busiest first."""
    scope = report_scope(user)
    if scope.empty:
        return []
    counts = (
        reveal_events_visible_to(user, since=since, until=until)
        .filter(actor__isnull=False)
        .annotate(purpose=KT("extra__purpose"))
        .values_list("actor_id", "purpose")
        .annotate(n=Count("pk"))
        .order_by()
    )
    limit_days = (
        reveal_alerts_visible_to(user).filter(day__gte=since, day__lte=until).values_list("user_id", "day")
    )
    staff = (
        RoleAssignment.objects.filter(scope.q("scope_path"), role__in=REVEALING_ROLES)
        .values_list("user_id", flat=True)
        .distinct()
    )
    rows: dict[int, WorkerReveals] = {}
    tallies = list(counts)
    days = list(limit_days)
    ids = {uid for uid, _p, _n in tallies} | {uid for uid, _d in days} | set(staff)
    for pk, username, full_name in (
        get_user_model().objects.filter(pk__in=ids).values_list("pk", "username", "full_name")
    ):
        rows[pk] = WorkerReveals(pk, username, full_name or username)
    for uid, purpose, n in tallies:
        row = rows[uid]
        key = purpose if purpose in RevealPurpose.values else UNSTATED
        row.by_purpose[key] = row.by_purpose.get(key, 0) + n
        row.total += n
    for uid, day in days:
        rows[uid].limit_days.append(day)
    for row in rows.values():
        row.limit_days.sort()
    return sorted(rows.values(), key=lambda r: (-r.total, r.username))


def purpose_columns() -> list[tuple[str, Any]]:
    return [*RevealPurpose.choices, (UNSTATED, _("No purpose given"))]


def report_headers() -> list[Any]:
    return [
        _("Username"),
        _("Full name"),
        _("Reveals"),
        *(label for _code, label in purpose_columns()),
        _("Days at the limit"),
    ]


def report_rows(user: Any, *, since: dt.date, until: dt.date) -> list[list[Any]]:
    return [
        [
            row.username,
            row.name,
            row.total,
            *row.purpose_counts(),
            "、".join(day.isoformat() for day in row.limit_days),
        ]
        for row in worker_reveals(user, since=since, until=until)
    ]
