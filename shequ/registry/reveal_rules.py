"""The brake on reveals (docs/security.md, finding 5): a purpose from a list and a note that says
something, and a per-user ceiling per rolling hour and per calendar day, counted from the audit
log under a lock on the user's row, so two reveals at once cannot both take the last slot.
Past the ceiling the reveal is refused and the worker's heads are told, once a day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from shequ.accounts.scope import home_path
from shequ.audit.models import AuditEvent
from shequ.audit.services import record_event
from shequ.core.errors import RuleError
from shequ.core.text import clean_text

from .actions import RegistryAction
from .models import RevealAlert, RevealPurpose

# Both kinds of reveal share one ceiling: they open the same kind of personal number.
REVEAL_ACTIONS = (RegistryAction.REVEAL.value, RegistryAction.REVEAL_CONTACT_PHONE.value)
HOUR = dt.timedelta(hours=1)


def note_min_length() -> int:
    return int(settings.SHEQU_REVEAL_NOTE_MIN_LENGTH)


def reason_for(*, purpose: str, note: str) -> str:
    """The audit reason, "核实身份：上门核实低保", after checking both parts: the note is counted
    after text cleaning (NFKC, no control characters, no blanks at the ends), as the API's
    schema states its minLength."""
    errors: dict[str, list[Any]] = {}
    if purpose not in RevealPurpose.values:
        errors["purpose"] = [_("Choose the purpose of this reveal.")]
    note = clean_text(note or "", multiline=True).strip()
    minimum = note_min_length()
    if len(note) < minimum:
        errors["note"] = [
            _("Write at least %(n)d characters saying what the numbers are for.") % {"n": minimum}
        ]
    elif len(note) > 500:
        errors["note"] = [_("At most 500 characters.")]
    if errors:
        raise RuleError("purpose_required", _("Say why you need to see the full numbers."), fields=errors)
    with translation.override(settings.LANGUAGE_CODE):  # the log's own language, like actor labels
        label = str(RevealPurpose(purpose).label)
    return f"{label}：{note}"


def take_slot(by: Any, *, ip_address: str | None = None) -> RuleError | None:
    """Lock the user's row and count their reveals; None if one more is allowed, else the refusal
    to raise once the alert it causes is committed. Jobs and commands (`System`) are not limited."""
    if not getattr(by, "pk", None):
        return None
    get_user_model().objects.select_for_update().filter(pk=by.pk).values_list("pk").first()
    now = timezone.now()
    hour_start = now - HOUR
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    mine = AuditEvent.objects.filter(
        actor_id=by.pk, action__in=REVEAL_ACTIONS, at__gte=min(hour_start, day_start)
    )
    counts = mine.aggregate(
        hour=Count("pk", filter=Q(at__gte=hour_start)), day=Count("pk", filter=Q(at__gte=day_start))
    )
    per_hour, per_day = settings.SHEQU_REVEAL_LIMIT_PER_HOUR, settings.SHEQU_REVEAL_LIMIT_PER_DAY
    if counts["day"] >= per_day:
        again = day_start + dt.timedelta(days=1)
        message = _(
            "You have revealed %(count)d numbers today, the most allowed in a day. You can reveal "
            "again from %(time)s; your community head has been told."
        )
        limit, count = "day", counts["day"]
    elif counts["hour"] >= per_hour:
        # The slot frees when the oldest reveal that keeps the count at the limit leaves the hour.
        oldest = mine.filter(at__gte=hour_start).order_by("at", "pk").values_list("at", flat=True)
        again = oldest[counts["hour"] - per_hour] + HOUR
        message = _(
            "You have revealed %(count)d numbers in the last hour, the most allowed. You can reveal "
            "again from %(time)s; your community head has been told."
        )
        limit, count = "hour", counts["hour"]
    else:
        return None
    _alert_heads(by, limit=limit, count=count, ip_address=ip_address)
    when = formats.date_format(timezone.localtime(again), "m-d H:i")
    return RuleError("reveal_limit", message % {"count": count, "time": when})


def _alert_heads(by: Any, *, limit: str, count: int, ip_address: str | None) -> None:
    """One alert and one audit event per worker and day, filed where the worker works."""
    day = timezone.localdate()
    alert, created = RevealAlert.objects.get_or_create(
        user_id=by.pk, day=day, defaults={"area_path": home_path(by)}
    )
    if not created:
        RevealAlert.objects.filter(pk=alert.pk).update(refusals=F("refusals") + 1)
        return
    record_event(
        actor=by,
        action=RegistryAction.REVEAL_LIMIT,
        target=by,
        area_path=alert.area_path,
        reason=_("Reveal limit reached"),
        extra={"limit": limit, "count": count},
        ip_address=ip_address,
    )
