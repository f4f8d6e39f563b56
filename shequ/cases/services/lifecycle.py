"""The steps of the loop after a report: accept → dispatch → take → reply → verify → evaluate → close,
with refusal, return, escalation, suspension, merging and supervision (docs/cases.md).

Every step locks the case, checks that it is still at the step the user saw, checks who is acting,
changes the case, starts or stops the clock and appends one event to the case file.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.typing import Actor
from shequ.core.actors import System, refuse_missing_actor
from shequ.core.calendar import get_calendar
from shequ.core.errors import RuleError

from .. import clock, photos
from ..models import (
    OPEN_STATUSES,
    AttachmentKind,
    Case,
    CaseCategory,
    CaseStatus,
    EventAction,
    HandlerUnit,
    Level,
    Satisfaction,
    Stage,
    Urgency,
)
from ..rules import can_assist, can_handle, can_manage, can_verify, can_view
from .common import CLOCK_FIELDS, allow, expect, lock, log, now, optional_text, required_text, save

# The periodic job that runs the time limits, as the audit log names it.
CLOCK = System("case clock")

NEXT_LEVEL = {Level.COMMUNITY: Level.STREET, Level.STREET: Level.DISTRICT}


@transaction.atomic
def accept_case(case: Case, *, by: Actor, note: str = "", urgency: str | None = None) -> Case:
    """立案: the desk takes the report on; the dispatch clock starts."""
    case = lock(case)
    expect(case, CaseStatus.REPORTED)
    allow(can_manage, by, case)
    if urgency is not None:
        if urgency not in Urgency.values:
            raise RuleError("invalid", _("Unknown urgency."), fields={"urgency": [_("Unknown urgency.")]})
        case.urgency = urgency
    t = now()
    clock.stop(case, t)
    case.status = CaseStatus.ACCEPTED
    case.accepted_at = t
    clock.start(case, Stage.DISPATCH, t)
    save(case, ["status", "accepted_at", "urgency", *CLOCK_FIELDS])
    log(
        case,
        EventAction.ACCEPT,
        by=by,
        before=CaseStatus.REPORTED,
        comment=optional_text(note),
        public=True,
        note_for_reporter=_("Accepted; it will be sent to the unit that handles it."),
    )
    return case


@transaction.atomic
def refuse_case(case: Case, *, by: Actor, reason: str) -> Case:
    """不予立案: refused with a reason the reporter reads."""
    reason = required_text(reason, "reason", _("Say why the case is not accepted."))
    case = lock(case)
    expect(case, CaseStatus.REPORTED)
    allow(can_manage, by, case)
    t = now()
    clock.stop(case, t)
    case.status = CaseStatus.REFUSED
    case.closed_at = t
    save(case, ["status", "closed_at", *CLOCK_FIELDS])
    log(case, EventAction.REFUSE, by=by, before=CaseStatus.REPORTED, comment=reason, public=True)
    return case


@transaction.atomic
def dispatch_case(
    case: Case, *, by: Actor, unit: HandlerUnit, co_units: list[HandlerUnit] | None = None, note: str = ""
) -> Case:
    """派遣: one lead unit is responsible; co-handling units (协同) help and add notes."""
    case = lock(case)
    expect(case, CaseStatus.ACCEPTED)
    allow(can_manage, by, case)
    co_units = [u for u in (co_units or []) if u.pk != unit.pk]
    for u in [unit, *co_units]:
        if not u.active or not case.area_path.startswith(u.area_path):
            msg = _("%(unit)s does not serve this place.") % {"unit": u.name}
            raise RuleError("invalid_unit", msg, fields={"unit": [msg]})
    t = now()
    before = case.status
    clock.stop(case, t)
    case.status = CaseStatus.DISPATCHED
    case.lead_unit = unit
    case.dispatched_at = case.dispatched_at or t
    clock.start(case, Stage.HANDLE, t)
    save(case, ["status", "lead_unit", "dispatched_at", *CLOCK_FIELDS])
    case.co_units.set(co_units)
    log(
        case,
        EventAction.DISPATCH,
        by=by,
        before=before,
        unit=unit,
        comment=optional_text(note),
        public=True,
        data={"co_units": [u.pk for u in co_units]},
        note_for_reporter=_("Sent to %(unit)s.") % {"unit": unit.name},
    )
    return case


@transaction.atomic
def take_case(case: Case, *, by: Actor, note: str = "") -> Case:
    """签收: the unit takes the case. Two members taking it at once: one wins, the other is told."""
    case = lock(case)
    expect(case, CaseStatus.DISPATCHED)
    allow(can_handle, by, case)
    case.status = CaseStatus.HANDLING
    save(case, ["status"])
    log(
        case,
        EventAction.TAKE,
        by=by,
        before=CaseStatus.DISPATCHED,
        unit=case.lead_unit,
        comment=optional_text(note),
    )
    return case


@transaction.atomic
def return_case(case: Case, *, by: Actor, reason: str) -> Case:
    """退回: the unit hands the case back to the desk with a reason (not theirs, wrong place)."""
    reason = required_text(reason, "reason", _("Say why the case is returned."))
    case = lock(case)
    expect(case, CaseStatus.DISPATCHED, CaseStatus.HANDLING)
    allow(can_handle, by, case)
    t = now()
    before, unit = case.status, case.lead_unit
    clock.stop(case, t)
    case.status = CaseStatus.ACCEPTED
    case.lead_unit = None
    clock.start(case, Stage.DISPATCH, t)
    save(case, ["status", "lead_unit", *CLOCK_FIELDS])
    case.co_units.clear()
    log(case, EventAction.RETURN, by=by, before=before, unit=unit, comment=reason)
    return case


@transaction.atomic
def reply_case(case: Case, *, by: Actor, note: str, photo_files: list[Any] | None = None) -> Case:
    """处置反馈: the unit says what it did, with photos as proof; the desk verifies next."""
    note = required_text(note, "note", _("Say what was done."))
    checked = photos.prepare(photo_files)
    case = lock(case)
    expect(case, CaseStatus.HANDLING)
    allow(can_handle, by, case)
    t = now()
    clock.stop(case, t)
    case.status = CaseStatus.REPLIED
    case.replied_at = t
    clock.start(case, Stage.VERIFY, t)
    save(case, ["status", "replied_at", *CLOCK_FIELDS])
    event = log(
        case,
        EventAction.REPLY,
        by=by,
        before=CaseStatus.HANDLING,
        unit=case.lead_unit,
        comment=note,
        public=True,
    )
    photos.store(case, event, checked, AttachmentKind.PROOF)
    return case


@transaction.atomic
def assist_case(case: Case, *, by: Actor, note: str, photo_files: list[Any] | None = None) -> Case:
    """协同: a co-handling unit records what it contributed; the case stays with the lead unit."""
    note = required_text(note, "note", _("Say what your unit did."))
    checked = photos.prepare(photo_files)
    case = lock(case)
    expect(case, CaseStatus.DISPATCHED, CaseStatus.HANDLING)
    allow(can_assist, by, case)
    units = [u for u in case.co_units.all() if u.members.filter(pk=by.pk).exists()] if by.pk else []
    event = log(case, EventAction.ASSIST, by=by, unit=units[0] if units else None, comment=note)
    photos.store(case, event, checked, AttachmentKind.PROOF)
    return case


@transaction.atomic
def verify_case(
    case: Case, *, by: Actor, passed: bool, note: str = "", photo_files: list[Any] | None = None
) -> Case:
    """核查: on site, the community checks the result. Pass → the reporter evaluates;
    fail → back to the same unit with the handling clock restarted."""
    if not passed:
        note = required_text(note, "note", _("Say what is still wrong."))
    checked = photos.prepare(photo_files)
    case = lock(case)
    expect(case, CaseStatus.REPLIED)
    allow(can_verify, by, case)
    t = now()
    clock.stop(case, t)
    if passed:
        case.status = CaseStatus.TO_EVALUATE
        case.resolved_at = t
        case.handling_hours = round(get_calendar().working_hours_between(case.reported_at, t), 2)
        fields = ["status", "resolved_at", "handling_hours", *CLOCK_FIELDS]
    else:
        case.status = CaseStatus.DISPATCHED
        clock.start(case, Stage.HANDLE, t)
        fields = ["status", *CLOCK_FIELDS]
    save(case, fields)
    event = log(
        case,
        EventAction.VERIFY_PASS if passed else EventAction.VERIFY_FAIL,
        by=by,
        before=CaseStatus.REPLIED,
        unit=None if passed else case.lead_unit,
        comment=optional_text(note),
        public=passed,
        note_for_reporter=_("Handled and checked on site. Please tell us how satisfied you are."),
    )
    photos.store(case, event, checked, AttachmentKind.VERIFY)
    return case


@transaction.atomic
def evaluate_case(
    case: Case,
    *,
    satisfaction: str,
    comment: str = "",
    by: Actor,
    reporter_phone: str | None = None,
) -> Case:
    """评价: the reporter (or a worker recording a follow-up call, 回访) rates the result.
    Unsatisfied reopens the case once; after that it is escalated a level, and at the top it closes."""
    from ..selectors import phone_digest

    if satisfaction not in Satisfaction.values:
        msg = _("Choose satisfied, basically satisfied or unsatisfied.")
        raise RuleError("invalid", msg, fields={"satisfaction": [msg]})
    comment = optional_text(comment, "comment")
    refuse_missing_actor(by)
    case = lock(case)
    if isinstance(by, System):  # the portal, for a reporter who proves the case is theirs by phone
        if (
            not reporter_phone
            or not case.reporter_phone_digest
            or phone_digest(reporter_phone) != case.reporter_phone_digest
        ):
            raise RuleError("forbidden", _("Only the person who reported the case may evaluate it."))
    elif case.reporter_id != by.pk and not can_manage(by, case):
        raise RuleError("forbidden", _("Only the person who reported the case may evaluate it."))
    expect(case, CaseStatus.TO_EVALUATE)
    t = now()
    case.satisfaction = satisfaction
    case.evaluated_at = t
    log(
        case,
        EventAction.EVALUATE,
        by=by,
        comment=comment,
        public=True,
        at=t,
        data={"satisfaction": satisfaction},
        note_for_reporter=_("Thank you for your evaluation."),
    )
    # What the evaluation leads to (closing, reopening, passing up) is on the case file; the audit
    # log has the one verb that caused it.
    if satisfaction != Satisfaction.UNSATISFIED:
        return _close(case, by=by, t=t, fields=["satisfaction", "evaluated_at"], audit=False)
    if case.reopen_count == 0:
        case.reopen_count = 1
        case.status = CaseStatus.DISPATCHED
        case.resolved_at = None
        clock.start(case, Stage.HANDLE, t)
        save(case, ["status", "satisfaction", "evaluated_at", "reopen_count", "resolved_at", *CLOCK_FIELDS])
        log(
            case,
            EventAction.REOPEN,
            by=by,
            before=CaseStatus.TO_EVALUATE,
            at=t,
            unit=case.lead_unit,
            public=True,
            note_for_reporter=_("Reopened: sent back to %(unit)s.") % {"unit": case.lead_unit or "—"},
            audit=False,
        )
        return case
    if case.level in NEXT_LEVEL:
        return _escalate(
            case,
            by=by,
            t=t,
            reason=_("Unsatisfied again after reopening."),
            fields=["satisfaction", "evaluated_at"],
            audit=False,
        )
    return _close(case, by=by, t=t, fields=["satisfaction", "evaluated_at"], audit=False)


def _close(
    case: Case, *, by: Actor, t: Any, fields: list[str], comment: str = "", audit: bool = True
) -> Case:
    before = case.status
    case.status = CaseStatus.CLOSED
    case.closed_at = t
    save(case, ["status", "closed_at", *fields])
    log(
        case,
        EventAction.CLOSE,
        by=by,
        before=before,
        comment=comment,
        public=True,
        at=t,
        note_for_reporter=_("Closed."),
        audit=audit,
    )
    return case


def close_unevaluated(case: Case, *, t: Any) -> Case:
    """The evaluation window passed without an answer: closed, not counted as satisfied."""
    return _close(case, by=CLOCK, t=t, fields=[], comment=_("Closed without an evaluation."))


def _escalate(case: Case, *, by: Actor, t: Any, reason: str, fields: list[str], audit: bool = True) -> Case:
    before, level = case.status, case.level
    clock.stop(case, t)
    case.level = NEXT_LEVEL[Level(level)]
    case.status = CaseStatus.ACCEPTED
    case.accepted_at = case.accepted_at or t
    case.lead_unit = None
    case.resolved_at = None
    clock.start(case, Stage.DISPATCH, t)
    save(case, ["level", "status", "accepted_at", "lead_unit", "resolved_at", *fields, *CLOCK_FIELDS])
    case.co_units.clear()
    log(
        case,
        EventAction.ESCALATE,
        by=by,
        before=before,
        comment=reason,
        public=True,
        at=t,
        data={"from_level": level, "to_level": case.level},
        note_for_reporter=_("Passed up to the %(level)s for handling.") % {"level": case.get_level_display()},
        audit=audit,
    )
    return case


@transaction.atomic
def escalate_case(case: Case, *, by: Actor, reason: str) -> Case:
    """上报: beyond the community's reach, the case goes to the street (and from there the district),
    which dispatches it from then on."""
    reason = required_text(reason, "reason", _("Say why the case is passed up."))
    case = lock(case)
    expect(case, CaseStatus.REPORTED, CaseStatus.ACCEPTED)
    allow(can_manage, by, case)
    if case.level not in NEXT_LEVEL:
        raise RuleError("top_level", _("The case is already at the district/county."))
    return _escalate(case, by=by, t=now(), reason=reason, fields=[])


@transaction.atomic
def suspend_case(case: Case, *, by: Actor, reason: str) -> Case:
    """挂起: waiting on something outside anyone's control (weather, a court); the clock stops."""
    reason = required_text(reason, "reason", _("Say why the case is suspended."))
    case = lock(case)
    expect(case, *[s for s in OPEN_STATUSES if s != CaseStatus.SUSPENDED])
    allow(can_manage, by, case)
    before = case.status
    clock.pause(case, now())
    case.suspended_status = before
    case.status = CaseStatus.SUSPENDED
    save(case, ["status", "suspended_status", *CLOCK_FIELDS])
    log(case, EventAction.SUSPEND, by=by, before=before, comment=reason, public=True)
    return case


@transaction.atomic
def resume_case(case: Case, *, by: Actor, note: str = "") -> Case:
    case = lock(case)
    expect(case, CaseStatus.SUSPENDED)
    allow(can_manage, by, case)
    clock.resume(case, now())
    case.status = CaseStatus(case.suspended_status)
    case.suspended_status = ""
    save(case, ["status", "suspended_status", *CLOCK_FIELDS])
    log(
        case, EventAction.RESUME, by=by, before=CaseStatus.SUSPENDED, comment=optional_text(note), public=True
    )
    return case


@transaction.atomic
def merge_case(case: Case, *, into: Case, by: Actor, note: str = "") -> Case:
    """合并: a duplicate report joins the case already open for the same problem; its reporter
    follows the surviving case."""
    if into.pk == case.pk:
        raise RuleError("invalid", _("A case cannot be merged into itself."))
    case = lock(case)
    into = lock(into)
    expect(case, CaseStatus.REPORTED, CaseStatus.ACCEPTED)
    allow(can_manage, by, case)
    if into.status not in OPEN_STATUSES:
        raise RuleError("invalid", _("Merge into a case that is still open."))
    if not isinstance(by, System) and not can_view(by, into):
        raise RuleError("forbidden", _("You may not do this to this case."))
    t = now()
    before = case.status
    clock.stop(case, t)
    case.status = CaseStatus.MERGED
    case.merged_into = into
    case.closed_at = t
    save(case, ["status", "merged_into", "closed_at", *CLOCK_FIELDS])
    log(
        case,
        EventAction.MERGE,
        by=by,
        before=before,
        comment=optional_text(note),
        public=True,
        data={"into": into.number},
        note_for_reporter=_("The same problem is already being handled as case %(number)s.")
        % {"number": into.number},
    )
    log(
        case=into,
        action=EventAction.COMMENT,
        by=by,
        comment=_("Case %(number)s was merged into this one.") % {"number": case.number},
        data={"merged": case.number},
        audit=False,
    )
    return case


@transaction.atomic
def supervise_case(case: Case, *, by: Actor, note: str) -> Case:
    """督办: a superior presses on a late or sensitive case; it is counted against the unit."""
    note = required_text(note, "note", _("Say what is expected and by when."))
    case = lock(case)
    expect(case, *OPEN_STATUSES)
    allow(can_manage, by, case)
    case.supervise_count += 1
    save(case, ["supervise_count"])
    log(case, EventAction.SUPERVISE, by=by, unit=case.lead_unit, comment=note)
    return case


@transaction.atomic
def comment_case(case: Case, *, by: Actor, note: str, public: bool = False) -> Case:
    """A note on the file from anyone who can see the case; public notes reach the reporter."""
    note = required_text(note, "note", _("Write the note."))
    allow(can_view, by, case)
    if public:
        allow(can_manage, by, case)
    log(case, EventAction.COMMENT, by=by, comment=note, public=public)
    return case


@transaction.atomic
def correct_case(
    case: Case,
    *,
    by: Actor,
    reason: str,
    category: CaseCategory | None = None,
    urgency: str | None = None,
    address: str | None = None,
) -> Case:
    """A correction is a new event on the file that names the old and new values; nothing is overwritten
    without a trace. Time limits already running are kept."""
    reason = required_text(reason, "reason", _("Say why the case is corrected."))
    case = lock(case)
    expect(case, *OPEN_STATUSES)
    allow(can_manage, by, case)
    changes: dict[str, list[str]] = {}
    if category is not None and category.pk != case.category_id:
        if not category.active or category.children.filter(active=True).exists():
            raise RuleError(
                "invalid",
                _("Choose a specific category."),
                fields={"category": [_("Choose a specific category.")]},
            )
        changes["category"] = [case.category.name, category.name]
        case.category = category
    if urgency is not None and urgency != case.urgency:
        if urgency not in Urgency.values:
            raise RuleError("invalid", _("Unknown urgency."), fields={"urgency": [_("Unknown urgency.")]})
        changes["urgency"] = [case.urgency, urgency]
        case.urgency = urgency
    if address is not None and address.strip() and address.strip() != case.address:
        changes["address"] = [case.address, address.strip()[:200]]
        case.address = address.strip()[:200]
    if not changes:
        raise RuleError("no_change", _("Nothing was changed."))
    save(case, ["category", "urgency", "address"])
    log(case, EventAction.CORRECT, by=by, comment=reason, data=changes)
    return case
