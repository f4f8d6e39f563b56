"""Staff pages for running the loop: the case list and its export, a case with its file and the
steps the user may take now, reporting a case, the to-do list, and photos behind an access check.

Reads go through `selectors` (scoped: the same 404 for missing and not yours), every step through
`services` (which check the rule again and answer a `RuleError` the page shows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.accounts.roles import Perm, Role
from shequ.accounts.scope import has_perm_anywhere, roles_of
from shequ.accounts.typing import acting_user
from shequ.core.batch import batch_refused, batch_report, parse_ids
from shequ.core.errors import RuleError
from shequ.core.http import client_ip
from shequ.core.pages import add_rule_errors, is_htmx, paginate
from shequ.core.text import clean_text
from shequ.registry import selectors as registry

from .. import clock, exports, forms, selectors, services
from ..models import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    EventAction,
    HandlerUnit,
    Level,
    Light,
    Satisfaction,
    Source,
    Stage,
    Urgency,
)
from ..rules import can_assist, can_handle, can_manage, can_verify, can_view
from ..services.lifecycle import NEXT_LEVEL

# Who may open the case pages at all; which cases they see is the selectors' business
# (a handler sees their unit's cases, a reporter the cases they reported).
CASE_PERMS = (Perm.VIEW_CASES, Perm.HANDLE_CASES, Perm.REPORT_CASES)
TODO_PERMS = (Perm.MANAGE_CASES, Perm.VERIFY_CASES, Perm.HANDLE_CASES)
EXPORT_PERMS = (Perm.VIEW_CASES, Perm.HANDLE_CASES)


View = Callable[..., HttpResponseBase]


def any_perm_required(*perms: Perm) -> Callable[[View], View]:
    """Log in first, then 403 unless the user holds one of `perms` somewhere."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not any(has_perm_anywhere(request.user, p) for p in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


# --- the clock as shown ------------------------------------------------------------------------


STATUS_CSS = {
    CaseStatus.REPORTED: "badge-amber",
    CaseStatus.ACCEPTED: "badge-blue",
    CaseStatus.DISPATCHED: "badge-blue",
    CaseStatus.HANDLING: "badge-blue",
    CaseStatus.REPLIED: "badge-amber",
    CaseStatus.TO_EVALUATE: "badge-green",
    CaseStatus.SUSPENDED: "badge-dark",
}


def with_clock(cases: Any, now: dt.datetime) -> list[Any]:
    """Put the light as it is now, the share of the limit used and a status colour on each case."""
    out = list(cases)
    for c in out:
        ratio = clock.used_ratio(c, now)
        light = clock.light_at(c, now)
        c.live_light = light
        c.light_label = Light(light).label if light else ""
        c.used_pct = round(ratio * 100) if ratio is not None else None
        c.used_bar = min(c.used_pct, 100) if c.used_pct is not None else 0
        c.status_css = STATUS_CSS.get(c.status, "badge-grey")
        c.overdue = c.due_at is not None and c.due_at <= now  # the cards say "overdue by", not "left"
    return out


# --- list and export ---------------------------------------------------------------------------


def filtered_cases(request: HttpRequest) -> tuple[QuerySet[Case], forms.CaseFilterForm]:
    """The list's query from its GET parameters; the export uses the same one."""
    tree = forms.CategoryTree.active()
    form = forms.CaseFilterForm(request.GET, user=request.user, tree=tree)
    qs = selectors.cases_visible_to(request.user)
    if q := form.value("q"):
        qs = qs.filter(Q(number__startswith=q) | Q(description__contains=q) | Q(address__contains=q))
    status = form.value("status")
    if status == form.OPEN:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == form.FINISHED:
        qs = qs.exclude(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if light := form.value("light"):
        qs = qs.filter(selectors.light_q(light, timezone.now())).exclude(status=CaseStatus.SUSPENDED)
    if category := form.value("category"):
        qs = qs.filter(category_id__in=tree.with_descendants(category))
    if community := form.value("community"):
        qs = qs.filter(community_id=community)
    if grid := form.value("grid"):
        qs = qs.filter(grid_id=grid)
    if unit := form.value("unit"):
        qs = qs.filter(lead_unit_id=unit)
    for name in ("source", "urgency"):
        if value := form.value(name):
            qs = qs.filter(**{name: value})
    if start := form.value("reported_from"):
        qs = qs.filter(reported_at__date__gte=start)
    if end := form.value("reported_to"):
        qs = qs.filter(reported_at__date__lte=end)
    return qs, form


@any_perm_required(*CASE_PERMS)
def case_list(request: HttpRequest) -> HttpResponse:
    qs, form = filtered_cases(request)
    ctx: dict[str, Any] = {
        "form": form,
        "can_report": has_perm_anywhere(request.user, Perm.REPORT_CASES),
        "can_todo": any(has_perm_anywhere(request.user, p) for p in TODO_PERMS),
        "can_export": any(has_perm_anywhere(request.user, p) for p in EXPORT_PERMS),
        "batch_on": has_perm_anywhere(request.user, Perm.MANAGE_CASES),
        **paginate(request, qs),
    }
    ctx["object_list"] = with_clock(ctx["object_list"], timezone.now())
    if ctx["batch_on"]:
        ctx["batch_units"] = _batch_units(request.user)
    if is_htmx(request):
        return render(request, "cases/_table.html", ctx)
    return render(request, "cases/list.html", ctx)


@any_perm_required(*EXPORT_PERMS)
def case_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as .xlsx: the rows the user sees on the list, phones masked, audited."""
    qs, _form = filtered_cases(request)
    filters = {k: v for k, v in request.GET.items() if k not in ("page", "per_page") and v}
    return exports.cases_xlsx(request.user, qs, filters=filters, ip_address=client_ip(request))


def _batch_units(user: Any) -> QuerySet[HandlerUnit]:
    return selectors.units_visible_to(user).filter(active=True).order_by("area_path", "kind", "name")


@any_perm_required(Perm.MANAGE_CASES)
@require_POST
def case_batch(request: HttpRequest) -> HttpResponse:
    """The selected cases: dispatch them to one unit, or press on them (催办), one service call each;
    the report says per case what was done and what was refused, and why."""
    user = request.user
    back = reverse("cases:list")
    try:
        ids = parse_ids(request.POST.getlist("ids"))
        found = {c.pk: c for c in selectors.cases_visible_to(user).filter(pk__in=ids)}
        cases = [found[pk] for pk in ids if pk in found]
        note = clean_text(request.POST.get("note", "")).strip()[:2000]
        action = request.POST.get("action")
        if action == "dispatch":
            unit = _batch_units(user).filter(pk=request.POST.get("unit") or 0).first()
            if unit is None:
                raise RuleError("invalid_unit", _("Choose the unit that handles the case."))
            report = services.dispatch_cases(cases, by=acting_user(request), unit=unit, note=note)
            title = _("Dispatch to %(unit)s") % {"unit": unit.name}
        elif action == "supervise":
            if not note:
                raise RuleError("required", _("Say what is expected and by when."))
            report = services.supervise_cases(cases, by=acting_user(request), note=note)
            title = _("Remind (supervise)")
        else:
            raise RuleError("invalid", _("Choose an action."))
    except RuleError as exc:
        return batch_refused(request, exc, back)
    report.add_missing(pk for pk in ids if pk not in found)
    return batch_report(request, report, title=title, back=back)


# --- the steps of the loop -----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step on the case page: its form, who may take it at which statuses, and the service."""

    name: str
    label: Any
    form: type[forms.ActionForm]
    allowed: Callable[[Any, Case], bool]
    statuses: tuple[str, ...]
    run: Callable[[Case, Any, dict[str, Any]], Case]
    done: Any
    primary: bool = False

    def available(self, user: Any, case: Case) -> bool:
        return case.status in self.statuses and bool(self.allowed(user, case))


def _may_evaluate(user: Any, case: Case) -> bool:
    return case.reporter_id == getattr(user, "pk", None) or bool(can_manage(user, case))


def _may_escalate(user: Any, case: Case) -> bool:
    return case.level in NEXT_LEVEL and bool(can_manage(user, case))


def _may_merge(user: Any, case: Case) -> bool:
    return bool(can_manage(user, case))


RUNNING = tuple(s for s in OPEN_STATUSES if s != CaseStatus.SUSPENDED)
ANY_STATUS = tuple(CaseStatus.values)

STEPS: dict[str, Step] = {
    s.name: s
    for s in [
        Step(
            "accept",
            gettext_lazy("Accept"),
            forms.AcceptForm,
            can_manage,
            (CaseStatus.REPORTED,),
            lambda c, by, d: services.accept_case(c, by=by, note=d["note"], urgency=d["urgency"]),
            gettext_lazy("Case accepted."),
            primary=True,
        ),
        Step(
            "refuse",
            gettext_lazy("Do not accept"),
            forms.RefuseForm,
            can_manage,
            (CaseStatus.REPORTED,),
            lambda c, by, d: services.refuse_case(c, by=by, reason=d["reason"]),
            gettext_lazy("Case not accepted; the reporter is told why."),
        ),
        Step(
            "dispatch",
            gettext_lazy("Dispatch"),
            forms.DispatchForm,
            can_manage,
            (CaseStatus.ACCEPTED,),
            lambda c, by, d: services.dispatch_case(
                c, by=by, unit=d["unit"], co_units=list(d["co_units"]), note=d["note"]
            ),
            gettext_lazy("Case dispatched."),
            primary=True,
        ),
        Step(
            "take",
            gettext_lazy("Take the case"),
            forms.TakeForm,
            can_handle,
            (CaseStatus.DISPATCHED,),
            lambda c, by, d: services.take_case(c, by=by, note=d["note"]),
            gettext_lazy("Your unit has taken the case."),
            primary=True,
        ),
        Step(
            "reply",
            gettext_lazy("Reply with the result"),
            forms.ReplyForm,
            can_handle,
            (CaseStatus.HANDLING,),
            lambda c, by, d: services.reply_case(c, by=by, note=d["note"], photo_files=d["photos"]),
            gettext_lazy("Reply sent; the community will verify it."),
            primary=True,
        ),
        Step(
            "verify",
            gettext_lazy("Verify on site"),
            forms.VerifyForm,
            can_verify,
            (CaseStatus.REPLIED,),
            lambda c, by, d: services.verify_case(
                c, by=by, passed=d["result"] == forms.VerifyForm.PASS, note=d["note"], photo_files=d["photos"]
            ),
            gettext_lazy("Verification recorded."),
            primary=True,
        ),
        Step(
            "evaluate",
            gettext_lazy("Record the evaluation"),
            forms.EvaluateForm,
            _may_evaluate,
            (CaseStatus.TO_EVALUATE,),
            lambda c, by, d: services.evaluate_case(
                c, by=by, satisfaction=d["satisfaction"], comment=d["comment"]
            ),
            gettext_lazy("Evaluation recorded."),
            primary=True,
        ),
        Step(
            "return",
            gettext_lazy("Return to the desk"),
            forms.ReturnForm,
            can_handle,
            (CaseStatus.DISPATCHED, CaseStatus.HANDLING),
            lambda c, by, d: services.return_case(c, by=by, reason=d["reason"]),
            gettext_lazy("Case returned to the desk."),
        ),
        Step(
            "assist",
            gettext_lazy("Add a co-handling note"),
            forms.AssistForm,
            can_assist,
            (CaseStatus.DISPATCHED, CaseStatus.HANDLING),
            lambda c, by, d: services.assist_case(c, by=by, note=d["note"], photo_files=d["photos"]),
            gettext_lazy("Note added."),
        ),
        Step(
            "escalate",
            gettext_lazy("Pass up"),
            forms.EscalateForm,
            _may_escalate,
            (CaseStatus.REPORTED, CaseStatus.ACCEPTED),
            lambda c, by, d: services.escalate_case(c, by=by, reason=d["reason"]),
            gettext_lazy("Case passed up."),
        ),
        Step(
            "suspend",
            gettext_lazy("Suspend"),
            forms.SuspendForm,
            can_manage,
            RUNNING,
            lambda c, by, d: services.suspend_case(c, by=by, reason=d["reason"]),
            gettext_lazy("Case suspended; its clock is stopped."),
        ),
        Step(
            "resume",
            gettext_lazy("Resume"),
            forms.ResumeForm,
            can_manage,
            (CaseStatus.SUSPENDED,),
            lambda c, by, d: services.resume_case(c, by=by, note=d["note"]),
            gettext_lazy("Case resumed; its clock runs again."),
            primary=True,
        ),
        Step(
            "supervise",
            gettext_lazy("Supervise"),
            forms.SuperviseForm,
            can_manage,
            OPEN_STATUSES,
            lambda c, by, d: services.supervise_case(c, by=by, note=d["note"]),
            gettext_lazy("Supervision recorded."),
        ),
        Step(
            "correct",
            gettext_lazy("Correct the case"),
            forms.CorrectForm,
            can_manage,
            OPEN_STATUSES,
            lambda c, by, d: services.correct_case(
                c,
                by=by,
                reason=d["reason"],
                category=d["category"],
                urgency=d["urgency"],
                address=d["address"],
            ),
            gettext_lazy("Correction recorded."),
        ),
        Step(
            "comment",
            gettext_lazy("Comment"),
            forms.CommentForm,
            can_view,
            ANY_STATUS,
            lambda c, by, d: services.comment_case(c, by=by, note=d["note"], public=bool(d.get("public"))),
            gettext_lazy("Comment added."),
        ),
        Step(
            "merge",
            gettext_lazy("Merge into another case"),
            forms.MergeForm,
            _may_merge,
            (CaseStatus.REPORTED, CaseStatus.ACCEPTED),
            lambda c, by, d: services.merge_case(c, into=d["into"], by=by, note=d["note"]),
            gettext_lazy("Merged: the reporter follows the other case from now on."),
        ),
    ]
}


def available_steps(user: Any, case: Case) -> list[Step]:
    return [s for s in STEPS.values() if s.available(user, case)]


# --- one case ----------------------------------------------------------------------------------


def _event_details(event: Any, unit_names: dict[int, str]) -> list[str]:
    """What the event's data says, in words (who else helps, what a correction changed...)."""
    data = event.data or {}
    out: list[str] = []
    if event.action == EventAction.REPORT and data.get("source") in Source.values:
        out.append(_("Source: %(source)s") % {"source": Source(data["source"]).label})
    if co := [unit_names[pk] for pk in data.get("co_units", []) if pk in unit_names]:
        out.append(_("Co-handling units: %(units)s") % {"units": "、".join(co)})
    if data.get("satisfaction") in Satisfaction.values:
        out.append(str(Satisfaction(data["satisfaction"]).label))
    if data.get("to_level") in Level.values:
        out.append(
            _("Now handled by the %(level)s") % {"level": Level(data["to_level"]).label},
        )
    if data.get("into"):
        out.append(_("Merged into case %(number)s") % {"number": data["into"]})
    labels = {"category": _("Category"), "urgency": _("Urgency"), "address": _("Address")}
    if event.action == EventAction.CORRECT:
        for field, (old, new) in data.items():
            if field == "urgency":
                old, new = (Urgency(v).label if v in Urgency.values else v for v in (old, new))
            out.append(f"{labels.get(field, field)}: {old or '—'} → {new or '—'}")
    if event.action in (EventAction.WARN, EventAction.OVERDUE) and data.get("stage") in Stage.values:
        out.append(str(Stage(data["stage"]).label))
    return out


def _detail_context(
    request: HttpRequest, case: Case, *, bound: dict[str, forms.ActionForm] | None = None
) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    events = list(selectors.case_file(case))
    unit_ids = {pk for e in events for pk in (e.data or {}).get("co_units", [])}
    unit_names = (
        dict(HandlerUnit.objects.filter(pk__in=unit_ids).values_list("pk", "name")) if unit_ids else {}
    )
    for e in events:
        e.details = _event_details(e, unit_names)
    steps = available_steps(user, case)
    bound = bound or {}
    step_forms = [(s, bound.get(s.name) or s.form(case=case, user=user)) for s in steps if s.name != "merge"]
    # Duplicates matter at intake, while this case can still be merged into one already handled.
    intake = case.status in (CaseStatus.REPORTED, CaseStatus.ACCEPTED)
    duplicates = with_clock(selectors.duplicate_candidates(case), now) if intake else []
    with_clock([case], now)
    return {
        "case": case,
        "events": events,
        "photos": [a for e in events for a in e.attachments.all()],
        "steps": step_forms,
        "open_step": next(iter(bound), None) or next((s.name for s, _f in step_forms if s.primary), None),
        "can_merge": "merge" in {s.name for s in steps},
        "duplicates": duplicates,
        "co_units": list(case.co_units.all()),
        "point": [float(case.latitude), float(case.longitude)]
        if case.latitude is not None and case.longitude is not None
        else None,
        "boundary": case.grid.boundary if case.grid is not None else None,
        "map_base_url": _map_base_url(user),
    }


def _map_base_url(user: Any) -> str:
    """The own-data base layer for a case's map, for those who may see buildings (a handler in a
    unit may not: their map shows the point and the grid only)."""
    return reverse("registry:map_base") if has_perm_anywhere(user, Perm.VIEW_PLACES) else ""


@any_perm_required(*CASE_PERMS)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    return render(request, "cases/detail.html", _detail_context(request, case))


@any_perm_required(*CASE_PERMS)
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one step through its service; on a refusal show the page again with the typed text."""
    step = STEPS.get(action)
    if step is None:
        raise Http404
    user = request.user
    case = selectors.case_get_for(user, pk)
    form = step.form(request.POST, request.FILES, case=case, user=user)
    if form.is_valid():
        try:
            step.run(case, user, form.cleaned_data)
        except RuleError as exc:
            add_rule_errors(form, exc)
        else:
            messages.success(request, str(step.done))
            return redirect("cases:detail", pk=case.pk)
    case = selectors.case_get_for(user, pk)  # as it is now, whatever the refused step touched
    bound: dict[str, forms.ActionForm] = {}
    if step.name != "merge" and step.available(user, case):
        messages.error(request, _("%(step)s: not done. See the form below.") % {"step": step.label})
        bound[step.name] = form
    else:  # the step is not (or no longer) on the page: say why at the top
        for error in dict.fromkeys(str(e) for errors in form.errors.values() for e in errors):
            messages.error(request, error)
    return render(request, "cases/detail.html", _detail_context(request, case, bound=bound), status=400)


@any_perm_required(*CASE_PERMS)
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """A photo of a case the user can see, shown in the page (never a download of another file type)."""
    att = selectors.attachment_get_for(request.user, pk, attachment_pk)
    try:
        handle = att.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=att.content_type, as_attachment=False, filename=att.name)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- reporting ---------------------------------------------------------------------------------

PLACE_ALIASES = {"lat": "latitude", "long": "longitude", "location": "place_mode"}


@any_perm_required(Perm.REPORT_CASES)
def case_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if roles_of(user) <= {Role.RESIDENT, Role.VOLUNTEER}:
        return redirect("portal:report")  # residents get the simple form with their phone to follow
    tree = forms.CategoryTree.active()
    form = forms.ReportForm(request.POST or None, request.FILES or None, user=user, tree=tree)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.report_case(
                by=acting_user(request),
                category=data["category"],
                description=data["description"],
                source=data["source"],
                urgency=data["urgency"],
                address=data["address"],
                reporter_name=data["reporter_name"],
                reporter_phone=data["reporter_phone"],
                photo_files=data["photos"],
                **data["place"],
            )
        except RuleError as exc:
            add_rule_errors(form, exc, aliases=PLACE_ALIASES)
        else:
            messages.success(request, _("Case %(number)s reported.") % {"number": case.number})
            return redirect("cases:detail", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    picked = form.cleaned_data.get("building") if hasattr(form, "cleaned_data") else None
    return render(
        request,
        "cases/new.html",
        {
            "form": form,
            "picked": picked,
            "map_data_url": reverse("registry:map_data"),
            "map_base_url": _map_base_url(request.user),
        },
        status=status,
    )


@any_perm_required(Perm.REPORT_CASES)
def building_search(request: HttpRequest) -> HttpResponse:
    """Buildings in the user's places by name, estate, address or code, for the report form."""
    q = clean_text(request.GET.get("q") or "").strip()[:64]
    buildings: list[Any] = []
    if q:
        buildings = list(
            registry.buildings_visible_to(request.user)
            .filter(
                Q(name__contains=q) | Q(estate__contains=q) | Q(address__contains=q) | Q(code__startswith=q)
            )
            .order_by("address")[:10]
        )
    return render(request, "cases/_building_results.html", {"buildings": buildings, "q": q})


# --- to-do -------------------------------------------------------------------------------------

TODO_TABS = ("due_soon", "overdue", "all")


@any_perm_required(*TODO_PERMS)
def todo(request: HttpRequest) -> HttpResponse:
    """What waits on me: due soon (yellow), overdue (red) and everything; a handler's is their unit's."""
    now = timezone.now()
    mine = selectors.my_cases(request.user)
    tabs = {
        "due_soon": mine.filter(selectors.light_q(Light.YELLOW, now)),
        "overdue": mine.filter(selectors.light_q(Light.RED, now)),
        "all": mine,
    }
    counts = {name: qs.count() for name, qs in tabs.items()}
    tab = request.GET.get("tab")
    if tab not in TODO_TABS:
        tab = "overdue" if counts["overdue"] else "due_soon" if counts["due_soon"] else "all"
    ctx: dict[str, Any] = {"tab": tab, "counts": counts, **paginate(request, tabs[tab])}
    ctx["object_list"] = with_clock(ctx["object_list"], now)
    return render(request, "cases/todo.html", ctx)
