"""Residents and households: lists with search and filters, the resident's tabs, edits and reveals.

Reads go through `selectors` (scoped, 404 outside the scope), writes through `services`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Field, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from shequ.accounts.decorators import perm_required
from shequ.accounts.models import User
from shequ.accounts.roles import Perm
from shequ.accounts.typing import acting_user
from shequ.core import codes
from shequ.core.batch import batch_refused, batch_report, parse_ids
from shequ.core.errors import RuleError
from shequ.core.http import client_ip
from shequ.core.models import CodeTable
from shequ.core.pages import add_rule_errors, is_htmx, paginate

from .. import exports, selectors, services
from ..forms import (
    HouseholdFilterForm,
    LifeEventForm,
    LinkLoginForm,
    ResidentEditForm,
    ResidentFilterForm,
    RevealForm,
    TagAddForm,
)
from ..models import Household, Resident, ResidentStatus

# --- residents list -----------------------------------------------------------------------------


def filtered_residents(request: HttpRequest) -> tuple[QuerySet[Resident], ResidentFilterForm]:
    """The residents list's query from its GET parameters; the export uses the same one."""
    user = request.user
    form = ResidentFilterForm(request.GET, user=user)
    qs = selectors.residents_visible_to(user)
    qs = selectors.search_residents(qs, form.value("q") or "")
    if community := form.value("community"):
        qs = qs.filter(community_id=community)
    if grid := form.value("grid"):
        qs = qs.filter(grid_id=grid)
    if tag := form.value("tag"):
        # Through the visible tag links, so a restricted tag never filters outside its own scope.
        qs = qs.filter(
            pk__in=selectors.resident_tags_visible_to(user).filter(tag__code=tag).values("resident_id")
        )
    if age := form.value("age"):
        qs = selectors.filter_by_age_band(qs, age)
    if residence_type := form.value("residence_type"):
        qs = qs.filter(residence_type=residence_type)
    if status := form.value("status"):
        qs = qs.filter(status=status)
    return qs, form


@perm_required(Perm.VIEW_RESIDENTS)
def resident_list(request: HttpRequest) -> HttpResponse:
    qs, form = filtered_residents(request)
    can_tag = selectors.can(request.user, Perm.CHANGE_REGISTRY)
    can_export = selectors.can(request.user, Perm.EXPORT_REGISTRY)
    ctx = {
        "form": form,
        "can_export": can_export,
        "batch_tag_form": TagAddForm(tags=selectors.tag_types_visible_to(request.user)) if can_tag else None,
        "batch_on": can_tag or can_export,
        **paginate(request, qs, by_ids=True),
    }
    if is_htmx(request):
        return render(request, "registry/residents/_table.html", ctx)
    return render(request, "registry/residents/list.html", ctx)


def _export(request: HttpRequest, name: str, qs: QuerySet[Any], fallback: str) -> HttpResponse:
    try:
        from shequ.registry import exports
    except ImportError:  # the export module lands with the import/export work
        messages.error(request, _("Export is not available yet."))
        return redirect(fallback)
    try:
        response: HttpResponse = getattr(exports, name)(request.user, qs, ip_address=client_ip(request))
    except RuleError as exc:
        messages.error(request, str(exc.message))
        return redirect(fallback)
    return response


@perm_required(Perm.EXPORT_REGISTRY)
def resident_export(request: HttpRequest) -> HttpResponse:
    qs, _form = filtered_residents(request)
    return _export(request, "residents_xlsx", qs, reverse("registry:residents"))


@perm_required(Perm.VIEW_RESIDENTS)
@require_POST
def resident_batch(request: HttpRequest) -> HttpResponse:
    """The selected residents: tag them (one `add_tag` each, refused ones reported) or export them."""
    user = request.user
    try:
        ids = parse_ids(request.POST.getlist("ids"))
    except RuleError as exc:
        return batch_refused(request, exc, reverse("registry:residents"))
    residents = selectors.residents_visible_to(user, with_tags=False).filter(pk__in=ids)
    if request.POST.get("action") == "export":
        if not selectors.can(user, Perm.EXPORT_REGISTRY):
            raise PermissionDenied
        response: HttpResponse = exports.residents_xlsx(
            user, residents, filters={"selected": ids}, ip_address=client_ip(request)
        )
        return response
    form = TagAddForm(request.POST, tags=selectors.tag_types_visible_to(user))
    if not form.is_valid():
        return batch_refused(request, RuleError("invalid", _("Choose a tag.")), reverse("registry:residents"))
    tag = selectors.tag_types_visible_to(user).get(code=form.cleaned_data["tag"])
    found = {r.pk: r for r in residents}
    report = services.tag_residents(
        [found[pk] for pk in ids if pk in found],
        tag=tag,
        by=acting_user(request),
        note=form.cleaned_data["note"],
    )
    report.add_missing(pk for pk in ids if pk not in found)
    title = _("Tag %(name)s") % {"name": tag.display_name}
    return batch_report(request, report, title=title, back=reverse("registry:residents"))


# --- resident detail ----------------------------------------------------------------------------

TABS = ("info", "family", "housing", "tags", "history", "events")

# Fields whose history shows an internal value; shown through their labels instead.
HISTORY_EXCLUDED = [
    "id_number_cipher",
    "id_number_digest",
    "phone_cipher",
    "phone_digest",
    "created_at",
    "updated_at",
    "area_path",
]
HISTORY_FK = {"community", "grid", "micro_grid", "household", "dwelling"}


def _display(resident_model: type[Resident], field: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field in ResidentEditForm.CODED:
        return codes.display_label(ResidentEditForm.CODED[field], value)
    if field == "gender":
        return codes.display_label(CodeTable.SEX, value)
    choices = getattr(resident_model._meta.get_field(field), "choices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if field in HISTORY_FK:
        return f"#{value}"
    return str(value)


def _verbose_name(field: str) -> str:
    """A Resident field's label; only forward fields (never reverse relations) are shown."""
    if field == "name":  # a person's name (姓名), not the generic "name" (名称) of places and units
        return _("Name")
    model_field = Resident._meta.get_field(field)
    assert isinstance(model_field, Field), field
    return str(model_field.verbose_name)


def history_entries(resident: Resident, limit: int = 50) -> list[dict[str, Any]]:
    """Who changed what when and why, newest first, each compared with the version before it."""
    records = list(
        resident.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    entries = []
    for i, record in enumerate(records[:limit]):
        previous = records[i + 1] if i + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=HISTORY_EXCLUDED)
            for change in delta.changes:
                label = _verbose_name(change.field)
                changes.append(
                    {
                        "field": label,
                        "old": _display(Resident, change.field, change.old),
                        "new": _display(Resident, change.field, change.new),
                    }
                )
        entries.append({"record": record, "changes": changes, "created": record.history_type == "+"})
    return entries


def _info_rows(r: Resident) -> list[tuple[str, str]]:
    def label(field: str) -> str:
        return _verbose_name(field)

    return [
        (label("name"), r.name),
        (label("gender"), codes.display_label(CodeTable.SEX, r.gender) or "—"),
        (label("birth_date"), f"{r.birth_date:%Y-%m-%d}（{r.age}）" if r.birth_date else "—"),
        (label("ethnicity"), codes.display_label(CodeTable.ETHNICITY, r.ethnicity) or "—"),
        (
            label("political_status"),
            codes.display_label(CodeTable.POLITICAL_STATUS, r.political_status) or "—",
        ),
        (label("education"), codes.display_label(CodeTable.EDUCATION, r.education) or "—"),
        (label("marital_status"), codes.display_label(CodeTable.MARITAL_STATUS, r.marital_status) or "—"),
        (label("residence_type"), r.get_residence_type_display()),
        (label("id_type"), r.get_id_type_display()),
        (label("status"), r.get_status_display()),
        (label("community"), r.community.name),
        (label("grid"), r.grid.name if r.grid else "—"),
        (label("micro_grid"), r.micro_grid.name if r.micro_grid else "—"),
        (label("workplace"), r.workplace or "—"),
        (label("hukou_address"), r.hukou_address or "—"),
    ]


def _detail_context(
    request: HttpRequest, resident: Resident, *, tab: str = "info", **extra: Any
) -> dict[str, Any]:
    user = request.user
    members: list[Resident] = []
    if resident.household_id:
        members = list(
            selectors.residents_visible_to(user, with_tags=False)
            .filter(household_id=resident.household_id)
            .order_by("relation_to_head", "birth_date")
        )
        for m in members:
            m.relation_label = codes.display_label(CodeTable.RELATIONSHIP, m.relation_to_head)  # type: ignore[attr-defined]
    visible_tags = getattr(resident, "visible_tags", [])
    can_change = selectors.can(user, Perm.CHANGE_REGISTRY, resident)
    ctx = {
        "resident": resident,
        "tab": tab if tab in TABS else "info",
        "info_rows": _info_rows(resident),
        "relation_label": codes.display_label(CodeTable.RELATIONSHIP, resident.relation_to_head),
        "members": members,
        "visible_tags": visible_tags,
        "history": history_entries(resident),
        "events": list(selectors.life_events_visible_to(user).filter(resident=resident)),
        "can_change": can_change,
        "can_reveal": selectors.can(user, Perm.REVEAL_PII, resident)
        and bool(resident.id_number_cipher or resident.phone_cipher),
        "reveal_form": RevealForm(),
        "event_form": LifeEventForm(),
        "tag_form": TagAddForm(
            tags=selectors.tag_types_visible_to(user).exclude(pk__in=[link.tag_id for link in visible_tags])
        )
        if can_change
        else None,
        "reveal_seconds": settings.SHEQU_REVEAL_SECONDS,
        "reveal_note_min": settings.SHEQU_REVEAL_NOTE_MIN_LENGTH,
        "login_form": LinkLoginForm(initial={"username": resident.login.username if resident.login else ""})
        if can_change
        else None,
    }
    ctx.update(extra)
    return ctx


@perm_required(Perm.VIEW_RESIDENTS)
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get_for(request.user, pk)
    return render(
        request,
        "registry/residents/detail.html",
        _detail_context(request, resident, tab=request.GET.get("tab", "info")),
    )


@perm_required(Perm.VIEW_RESIDENTS)
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get_for(request.user, pk)
    if not selectors.can(request.user, Perm.CHANGE_REGISTRY, resident):
        messages.error(request, _("You do not have permission to do this here."))
        return redirect("registry:resident_detail", pk=resident.pk)
    form = ResidentEditForm(request.POST or None, initial=ResidentEditForm.initial_for(resident))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_resident(
                resident,
                by=acting_user(request),
                fields=form.changed_fields(resident),
                reason=form.cleaned_data["reason"],
            )
        except RuleError as exc:
            add_rule_errors(form, exc, aliases={"phone": "new_phone", "id_number": "new_id_number"})
        else:
            if changed:
                messages.success(
                    request,
                    ngettext("Saved: %(n)d field changed.", "Saved: %(n)d fields changed.", len(changed))
                    % {"n": len(changed)},
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(reverse("registry:resident_detail", args=[resident.pk]) + "?tab=history")
    return render(request, "registry/residents/edit.html", {"resident": resident, "form": form})


@perm_required(Perm.REVEAL_PII)
@require_POST
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Full numbers for a purpose and a note, within the per-user limits; audited by the
    service, shown for a limited time."""
    resident = selectors.resident_get_for(request.user, pk)
    form = RevealForm(request.POST)
    numbers: dict[str, str] | None = None
    if form.is_valid():
        try:
            numbers = services.reveal_pii(
                resident,
                by=acting_user(request),
                purpose=form.cleaned_data["purpose"],
                note=form.cleaned_data["note"],
                ip_address=client_ip(request),
            )
        except RuleError as exc:
            add_rule_errors(form, exc)
    ctx = {
        "resident": resident,
        "numbers": numbers,
        "reveal_form": form,
        "can_reveal": True,
        "reveal_seconds": settings.SHEQU_REVEAL_SECONDS,
        "reveal_note_min": settings.SHEQU_REVEAL_NOTE_MIN_LENGTH,
    }
    if is_htmx(request):
        return render(request, "registry/residents/_pii.html", ctx)
    if numbers is None:
        for e in form.errors.get("purpose", []) + form.errors.get("note", []) + form.non_field_errors():
            messages.error(request, str(e))
        return redirect("registry:resident_detail", pk=resident.pk)
    return render(
        request,
        "registry/residents/detail.html",
        _detail_context(request, resident, numbers=numbers, reveal_form=form),
    )


@perm_required(Perm.CHANGE_REGISTRY)
@require_POST
def resident_tags(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    resident = selectors.resident_get_for(user, pk)
    tags = selectors.tag_types_visible_to(user)
    try:
        if request.POST.get("remove"):
            tag = tags.filter(code=request.POST["remove"]).first()
            if tag is None:
                raise RuleError("invalid", _("Unknown tag."))
            services.remove_tag(
                resident, tag=tag, by=acting_user(request), reason=_("Removed on the resident page")
            )
            messages.success(request, _("Tag %(name)s removed.") % {"name": tag.display_name})
        else:
            form = TagAddForm(request.POST, tags=tags)
            if not form.is_valid():
                raise RuleError("invalid", _("Choose a tag."))
            tag = tags.get(code=form.cleaned_data["tag"])
            services.add_tag(resident, tag=tag, by=acting_user(request), note=form.cleaned_data["note"])
            messages.success(request, _("Tag %(name)s added.") % {"name": tag.display_name})
    except RuleError as exc:
        messages.error(request, str(exc.message))
    return redirect(reverse("registry:resident_detail", args=[resident.pk]) + "?tab=tags")


@perm_required(Perm.CHANGE_REGISTRY)
@require_POST
def resident_login(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the resident's own login (their portal account) to this record, or unlink it."""
    resident = selectors.resident_get_for(request.user, pk)
    form = LinkLoginForm(request.POST)
    try:
        if not form.is_valid():
            raise RuleError("invalid", _("Enter a username."))
        username = form.cleaned_data["username"]
        user = None
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise RuleError("unknown_user", _("No account with this username."))
        services.link_login(resident, user=user, by=acting_user(request))
    except RuleError as exc:
        messages.error(request, str(exc.message))
    else:
        if user is None:
            messages.success(request, _("The login is unlinked."))
        else:
            messages.success(request, _("Linked to the login %(username)s.") % {"username": user.username})
    return redirect("registry:resident_detail", pk=resident.pk)


@perm_required(Perm.CHANGE_REGISTRY)
@require_POST
def resident_event(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    resident = selectors.resident_get_for(user, pk)
    form = LifeEventForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            household = None
            if data["household_number"]:
                household = (
                    selectors.households_visible_to(user).filter(number=data["household_number"]).first()
                )
                if household is None:
                    raise RuleError(
                        "unknown_household",
                        _("No household with this number in your area."),
                        fields={"household_number": [_("Not found.")]},
                    )
            services.record_life_event(
                resident,
                kind=data["kind"],
                date=data["date"],
                by=acting_user(request),
                note=data["note"],
                household=household,
            )
        except RuleError as exc:
            add_rule_errors(form, exc, aliases={"household": "household_number"})
        else:
            messages.success(request, _("Life event recorded."))
            return redirect(reverse("registry:resident_detail", args=[resident.pk]) + "?tab=events")
    resident = selectors.resident_get_for(user, pk)
    return render(
        request,
        "registry/residents/detail.html",
        _detail_context(request, resident, tab="events", event_form=form),
        status=400,
    )


# --- households ---------------------------------------------------------------------------------


def filtered_households(request: HttpRequest) -> tuple[QuerySet[Household], HouseholdFilterForm]:
    form = HouseholdFilterForm(request.GET, user=request.user)
    qs = selectors.households_visible_to(request.user)
    if q := form.value("q"):
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(head__name__contains=q)
            | Q(dwelling__building__address__contains=q)
            | Q(dwelling__building__estate__contains=q)
        )
    if community := form.value("community"):
        qs = qs.filter(community_id=community)
    if grid := form.value("grid"):
        path = selectors.grids_visible_to(request.user).filter(pk=grid).values_list("path", flat=True).first()
        qs = qs.filter(selectors.under(path or ""))
    if household_type := form.value("household_type"):
        qs = qs.filter(household_type=household_type)
    if status := form.value("status"):
        qs = qs.filter(status=status)
    return qs, form


@perm_required(Perm.VIEW_RESIDENTS)
def household_list(request: HttpRequest) -> HttpResponse:
    qs, form = filtered_households(request)
    qs = qs.annotate(n_members=Count("members", filter=Q(members__status=ResidentStatus.ACTIVE)))
    ctx = {
        "form": form,
        "can_export": selectors.can(request.user, Perm.EXPORT_REGISTRY),
        **paginate(request, qs),
    }
    if is_htmx(request):
        return render(request, "registry/households/_table.html", ctx)
    return render(request, "registry/households/list.html", ctx)


@perm_required(Perm.EXPORT_REGISTRY)
def household_export(request: HttpRequest) -> HttpResponse:
    qs, _form = filtered_households(request)
    return _export(request, "households_xlsx", qs, reverse("registry:households"))


@perm_required(Perm.VIEW_RESIDENTS)
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    household = selectors.household_get_for(user, pk)
    members = list(
        selectors.residents_visible_to(user)
        .filter(household=household)
        .order_by("relation_to_head", "birth_date")
    )
    for m in members:
        m.relation_label = codes.display_label(CodeTable.RELATIONSHIP, m.relation_to_head)  # type: ignore[attr-defined]
    history = list(
        household.history.select_related("history_user").order_by("-history_date", "-history_id")[:30]
    )
    return render(
        request,
        "registry/households/detail.html",
        {"household": household, "members": members, "history": history},
    )
