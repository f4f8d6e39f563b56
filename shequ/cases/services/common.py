"""What every case verb shares: locking the row, checking the step is still allowed, and writing
the event, the audit record and the reporter's note in the same transaction."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.typing import Actor, person
from shequ.audit.services import record_event
from shequ.cases.actions import CaseAction
from shequ.core.actors import System, refuse_missing_actor
from shequ.core.errors import RuleError

from ..models import Case, CaseEvent, CaseStatus, HandlerUnit

_acting_at: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("acting_at", default=None)


def now() -> dt.datetime:
    return _acting_at.get() or timezone.now()


@contextlib.contextmanager
def acting_at(moment: dt.datetime) -> Iterator[None]:
    """Run the verbs as if at `moment`: for back-filling history (the demo's year of cases, a
    hotline import of past work orders). Pages and the API never use it."""
    token = _acting_at.set(moment)
    try:
        yield
    finally:
        _acting_at.reset(token)


def lock(case: Case) -> Case:
    """Re-read the case under a row lock: two people acting at once are served one after the other,
    and the second sees what the first did (DESIGN rule 5)."""
    return Case.objects.select_for_update().select_related("category").get(pk=case.pk)


def expect(case: Case, *statuses: str) -> None:
    if case.status not in statuses:
        raise RuleError(
            "wrong_status",
            _(
                "This case is now “%(status)s”, so this step is not possible; reload the page to see what changed."
            )
            % {"status": case.get_status_display()},
        )


def allow(check: Callable[[Any, Case], bool], by: Actor, case: Case) -> None:
    """A job or command (`System`) may take any step; a person needs the rule to say yes."""
    refuse_missing_actor(by)
    if not isinstance(by, System) and not check(by, case):
        raise RuleError("forbidden", _("You may not do this to this case."))


def required_text(value: str | None, field: str, message: Any) -> str:
    text = (value or "").strip()
    if not text:
        raise RuleError("required", message, fields={field: [message]})
    if len(text) > 2000:
        msg = _("At most 2,000 characters.")
        raise RuleError("too_long", msg, fields={field: [msg]})
    return text


def optional_text(value: str | None, field: str = "note") -> str:
    text = (value or "").strip()
    if len(text) > 2000:
        msg = _("At most 2,000 characters.")
        raise RuleError("too_long", msg, fields={field: [msg]})
    return text


def log(
    case: Case,
    action: str,
    *,
    by: Actor,
    before: str = "",
    comment: str = "",
    public: bool = False,
    unit: HandlerUnit | None = None,
    at: dt.datetime | None = None,
    data: dict[str, Any] | None = None,
    note_for_reporter: str | None = None,
    audit: bool = True,
) -> CaseEvent:
    """Append to the case file and the audit log. A public event also becomes the note the
    reporter (and Open311's `status_notes`) sees."""
    event = CaseEvent.objects.create(
        case=case,
        action=action,
        at=at or now(),
        actor=person(by),
        actor_name=str(by) if getattr(by, "pk", None) else "",  # blank: the system, named when shown
        unit=unit,
        from_status=before,
        to_status=case.status if case.status != before else "",
        comment=comment,
        public=public,
        data=data or {},
    )
    if public:
        note = note_for_reporter if note_for_reporter is not None else comment
        if note:
            Case.objects.filter(pk=case.pk).update(status_notes=note[:500])
            case.status_notes = note[:500]
    if audit:
        record_event(actor=by, action=CaseAction(f"case:{action}"), target=case, reason=comment[:200])
    return event


def save(case: Case, fields: Iterable[str]) -> None:
    case.save(update_fields=[*fields, "updated_at"])


CLOCK_FIELDS = (
    "stage",
    "stage_started_at",
    "limit_hours",
    "warn_at",
    "due_at",
    "light",
    "rules_applied",
    "remaining_hours",
    "overdue_ever",
)

TERMINAL = (CaseStatus.CLOSED, CaseStatus.REFUSED, CaseStatus.MERGED)
