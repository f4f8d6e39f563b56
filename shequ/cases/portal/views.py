"""The resident portal's pages: report a problem, follow it, evaluate the result. No login needed;
a logged-in worker gets the same form with their name filled in.

Each view parses, calls a service or selector and renders. What a resident may see of a case is
decided in `access` (number + phone, remembered in the session) and `selectors` (public events and
photos only).
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.accounts.roles import Role
from shequ.accounts.scope import roles_of
from shequ.accounts.typing import acting_user
from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.core.pages import add_rule_errors
from shequ.core.parsing import normalize_phone
from shequ.core.security import personal_data
from shequ.core.text import clean_text
from shequ.registry import selectors as registry_selectors

from .. import selectors as case_selectors
from .. import services
from ..forms_portal import REPORT_ERROR_FIELDS, EvaluateForm, FollowForm, ReportForm
from ..models import Case, CaseStatus, Source
from . import access
from . import selectors as portal_selectors
from .throttle import Limiter, client_ip, parse_rate

# --- what a resident reads -----------------------------------------------------------------------

STEPS = (
    gettext_lazy("Reported"),
    gettext_lazy("Accepted"),
    gettext_lazy("Sent to a unit"),
    gettext_lazy("Being handled"),
    gettext_lazy("Checked on site"),
    gettext_lazy("Evaluated, closed"),
)
STEP_OF_STATUS = {
    CaseStatus.REPORTED: 0,
    CaseStatus.ACCEPTED: 1,
    CaseStatus.DISPATCHED: 2,
    CaseStatus.HANDLING: 3,
    CaseStatus.REPLIED: 3,
    CaseStatus.TO_EVALUATE: 4,
    CaseStatus.CLOSED: 5,
}


def progress(case: Case) -> list[dict[str, Any]] | None:
    """The loop as a line of steps: done, the one now under way, and those still to come.
    A refused or merged case has no line; a suspended one shows where it stopped."""
    status = case.suspended_status if case.status == CaseStatus.SUSPENDED else case.status
    reached = STEP_OF_STATUS.get(CaseStatus(status)) if status else None
    if reached is None:
        return None
    now = None if case.status == CaseStatus.CLOSED else reached + 1
    steps = []
    for i, label in enumerate(STEPS):
        state = "done" if i <= reached else "current" if i == now else "todo"
        if state == "current" and case.status == CaseStatus.SUSPENDED:
            state = "paused"
        steps.append({"label": label, "state": state})
    return steps


def headline(case: Case) -> str:
    """Where the case stands, in plain words."""
    unit = case.lead_unit.name if case.lead_unit is not None else _("the unit responsible")
    words = {
        CaseStatus.REPORTED: _("Received. The community will look at it soon."),
        CaseStatus.ACCEPTED: _("Accepted. It will be sent to the unit that deals with it."),
        CaseStatus.DISPATCHED: _("Sent to %(unit)s, who will start on it.") % {"unit": unit},
        CaseStatus.HANDLING: _("%(unit)s is dealing with it.") % {"unit": unit},
        CaseStatus.REPLIED: _("%(unit)s says it is done; the community will check on site.") % {"unit": unit},
        CaseStatus.TO_EVALUATE: _("Done and checked on site. Please tell us how satisfied you are."),
        CaseStatus.CLOSED: _("Closed. Thank you for reporting it."),
        CaseStatus.REFUSED: _("Not taken on as a case. The reason is below."),
        CaseStatus.SUSPENDED: _("Paused for now; the reason is below. Work goes on when it can."),
        CaseStatus.MERGED: _("Somebody reported the same problem; it is handled as one case."),
    }
    return words.get(CaseStatus(case.status), case.get_status_display())


def evaluation_outcome(case: Case) -> str:
    """What happens after an evaluation, told right after the resident sends it."""
    if case.status == CaseStatus.CLOSED:
        return _("Thank you. Your evaluation is recorded and the case is closed.")
    if case.status == CaseStatus.DISPATCHED:
        unit = case.lead_unit.name if case.lead_unit is not None else _("the unit responsible")
        return _(
            "Sorry it is not solved yet. The case is reopened and sent back to %(unit)s; "
            "you will be asked again when it is done."
        ) % {"unit": unit}
    return _("The case is passed up to the %(level)s, which will have it handled again.") % {
        "level": case.get_level_display()
    }


# --- limits --------------------------------------------------------------------------------------


def _report_limiter() -> Limiter:
    return Limiter("report", parse_rate(settings.SHEQU_PORTAL_REPORT_RATE))


def _lookup_limiter() -> Limiter:
    return Limiter("lookup", parse_rate(settings.SHEQU_PORTAL_LOOKUP_RATE))


def _lookup_keys(request: HttpRequest) -> list[str]:
    keys = [f"ip:{client_ip(request)}"]
    if request.session.session_key:
        keys.append(f"session:{request.session.session_key}")
    return keys


def _too_many(request: HttpRequest, seconds: int, message: str) -> HttpResponse:
    minutes = max(1, math.ceil(seconds / 60))
    return render(
        request,
        "cases/portal/limited.html",
        {"message": message, "minutes": minutes},
        status=429,
    )


# --- pages ---------------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"groups": portal_selectors.category_groups()}
    if request.user.is_authenticated:  # a resident or volunteer lands here (accounts.landing)
        context["my_reports"] = list(case_selectors.reported_by(request.user)[:10])
        # Their own household, if a worker has linked this login to their registry record. A
        # signed-in user's pages are never cached (core.security.NoStoreMiddleware).
        context["household"] = registry_selectors.household_card_for_login(request.user)
        context["is_resident"] = Role.RESIDENT in roles_of(request.user)
    return render(request, "cases/portal/home.html", context)


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    staff = request.user.is_authenticated
    if request.method == "POST":
        limiter, ip = _report_limiter(), client_ip(request)
        # Workers are accountable for what they send; the limit is for anonymous traffic.
        if not staff and (wait := limiter.wait_seconds(ip)):
            return _too_many(
                request, wait, _("Too many reports were sent from this network in a short time.")
            )
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                case = services.report_case(
                    by=acting_user(request) if staff else System("portal"),
                    source=Source.PORTAL,
                    **form.service_fields(),
                )
            except RuleError as exc:
                add_rule_errors(form, exc, REPORT_ERROR_FIELDS)
            else:
                if not staff:
                    limiter.hit(ip)
                access.remember_report(request, case)
                if phone := normalize_phone(form.cleaned_data["phone"]):
                    access.grant(request, case, phone)
                return redirect("portal:report_done")
    else:
        form = ReportForm(initial={"name": str(request.user)} if staff else None)
    # What was typed comes back; a chosen building comes back with its address.
    building = getattr(form, "cleaned_data", {}).get("building")
    if building is not None:
        place = {"building": building.pk, "address": building.address, "lat": "", "lng": ""}
    else:
        lat, lng = form["latitude"].value(), form["longitude"].value()
        place = {"building": "", "address": "", "lat": lat or "", "lng": lng or ""}
    context = {
        "form": form,
        "staff": staff,
        "photos_dropped": form.is_bound and bool(request.FILES.getlist("photos")),
        "place": place,
        "max_photos": settings.SHEQU_CASE_PHOTOS_MAX,
        "min_search": portal_selectors.MIN_SEARCH,
    }
    return render(request, "cases/portal/report.html", context)


@require_GET
def report_done(request: HttpRequest) -> HttpResponse:
    number = access.last_report(request)
    if number is None:
        return redirect("portal:home")
    if access.granted(request, number) is not None:
        follow_url = reverse("portal:case", args=[number])
    else:
        follow_url = f"{reverse('portal:follow')}?{urlencode({'number': number})}"
    return render(
        request,
        "cases/portal/done.html",
        {"number": number, "follow_url": follow_url, "staff_url": _staff_url(request, number)},
    )


def _staff_url(request: HttpRequest, number: str) -> str | None:
    """A worker who reported from the portal may open the case in the staff pages, if they exist."""
    if not request.user.is_authenticated:
        return None
    try:
        case = case_selectors.case_get_for(request.user, number)
        return reverse("cases:detail", args=[case.pk])
    except (Http404, NoReverseMatch):
        return None


@require_GET
def building_search(request: HttpRequest) -> HttpResponse:
    """HTMX: addresses matching what was typed (at least 2 characters, at most 10 results)."""
    text = clean_text(request.GET.get("building_query") or request.GET.get("q") or "").strip()
    return render(
        request,
        "cases/portal/_buildings.html",
        {
            "buildings": portal_selectors.buildings_by_address(text),
            "too_short": len(text) < portal_selectors.MIN_SEARCH,
            "min_search": portal_selectors.MIN_SEARCH,
            "max_results": portal_selectors.MAX_RESULTS,
        },
    )


@require_GET
def map_data(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(portal_selectors.boundaries())
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def map_base(request: HttpRequest) -> JsonResponse:
    """The picker's own base layer: building names and estates, community and grid names, which are
    on every door and street sign; nothing about who lives there."""
    response = JsonResponse(portal_selectors.base_layer())
    response["Cache-Control"] = "public, max-age=300"
    return response


@personal_data
@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = FollowForm(request.POST)
        limiter, keys = _lookup_limiter(), _lookup_keys(request)
        if wait := limiter.wait_seconds(*keys):
            return _too_many(request, wait, _("Too many wrong case numbers or phones were tried."))
        if form.is_valid():
            number, phone = form.cleaned_data["number"].strip(), form.cleaned_data["phone"]
            case = case_selectors.case_for_reporter(number, phone)
            if case is None:
                limiter.hit(*keys)
                # One message whichever is wrong: no hint for somebody guessing.
                form.add_error(None, _("No case matches this number and phone."))
            else:
                access.grant(request, case, normalize_phone(phone))
                return redirect("portal:case", number=case.number)
    else:
        form = FollowForm(initial={"number": request.GET.get("number", "")[:20]})
    return render(request, "cases/portal/follow.html", {"form": form})


def _to_follow(number: str) -> HttpResponse:
    return redirect(f"{reverse('portal:follow')}?{urlencode({'number': number[:20]})}")


def _render_case(request: HttpRequest, case: Case, evaluate_form: EvaluateForm | None = None) -> HttpResponse:
    merged_into = case.merged_into if case.status == CaseStatus.MERGED else None
    context = {
        "case": case,
        "headline": headline(case),
        "steps": progress(case),
        "events": portal_selectors.public_file(case),
        "merged_into": merged_into,
        "merged_headline": headline(merged_into) if merged_into is not None else "",
        "merged_steps": progress(merged_into) if merged_into is not None else None,
        "evaluate_form": (evaluate_form or EvaluateForm()) if case.status == CaseStatus.TO_EVALUATE else None,
    }
    return render(request, "cases/portal/case.html", context)


@personal_data
@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    case = _readable_case(request, number)
    if case is None:
        return _to_follow(number)
    return _render_case(request, case)


def _readable_case(request: HttpRequest, number: str) -> Case | None:
    """The case if this session proved it with number and phone, or if the logged-in user reported
    it themselves (我反映的问题 on the home page); its public side only either way."""
    granted = access.granted(request, number)
    if granted is not None:
        return granted.case
    if request.user.is_authenticated:
        return case_selectors.reported_by(request.user).filter(number=number).first()
    return None


@personal_data
@require_POST
def evaluate(request: HttpRequest, number: str) -> HttpResponse:
    granted = access.granted(request, number)
    if granted is None:
        return _to_follow(number)
    form = EvaluateForm(request.POST)
    if form.is_valid():
        try:
            case = services.evaluate_case(
                granted.case,
                by=System("portal"),
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
                reporter_phone=granted.phone,
            )
        except RuleError as exc:
            if not exc.fields:  # e.g. evaluated a moment ago in another tab
                messages.error(request, str(exc.message))
                return redirect("portal:case", number=number)
            add_rule_errors(form, exc)
        else:
            messages.success(request, evaluation_outcome(case))
            return redirect("portal:case", number=number)
    return _render_case(request, granted.case, evaluate_form=form)


@require_GET
def photo(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """A photo of a case this session looked up: the reporter's own or the unit's proof."""
    case = _readable_case(request, number)
    attachment = portal_selectors.public_photo(case, pk) if case is not None else None
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    extension = (attachment.file.name or "").rsplit(".", 1)[-1]
    response = FileResponse(
        handle, content_type=attachment.content_type, filename=f"{number}-{attachment.pk}.{extension}"
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
