"""案件配置: the category tree and its time limits, the escalation rules, the handler units and their
members, and the Open311 clients. Only for Perm.CONFIGURE; every write goes through a service,
which checks the rule and writes the audit record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shequ.accounts.decorators import perm_required
from shequ.accounts.roles import Perm
from shequ.accounts.scope import has_perm_anywhere
from shequ.accounts.typing import acting_user
from shequ.core.errors import RuleError
from shequ.core.pages import add_rule_errors

from .. import selectors, services
from ..forms_setup import (
    CategoryForm,
    EscalationRuleForm,
    Open311ClientForm,
    UnitForm,
    UnitMemberForm,
    category_tree,
)
from ..models import CaseCategory, EscalationRule, HandlerUnit, Open311Client, UnitMember

# Where the one-time display of a new Open311 key waits between the POST and the next page.
NEW_KEY_SESSION = "cases_open311_new_key"


def _tab(request: HttpRequest, template: str, tab: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"tab": tab, **ctx})


# --- categories ---------------------------------------------------------------------------------


def _all_categories() -> list[CaseCategory]:
    return list(CaseCategory.objects.select_related("default_unit").order_by("sort", "code"))


def _unit_choices(user: Any, current: HandlerUnit | None = None) -> QuerySet[HandlerUnit]:
    """Active units the user configures; a category's present unit stays selectable."""
    keep = Q(active=True) | Q(pk=current.pk if current is not None else None)
    return selectors.units_for_setup(user).filter(keep).order_by("area_path", "kind", "name")


@perm_required(Perm.CONFIGURE)
def setup(request: HttpRequest) -> HttpResponse:
    """The category tree with its four time limits."""
    return _tab(request, "cases/setup.html", "categories", {"tree": category_tree(_all_categories())})


@perm_required(Perm.CONFIGURE)
def category_new(request: HttpRequest) -> HttpResponse:
    categories = category_tree(_all_categories())
    parent = next((c for c, _d in categories if str(c.pk) == request.GET.get("parent")), None)
    last = max((c.sort for c, _d in categories), default=0)
    initial: dict[str, Any] = {"public": True, "active": True, "parent": parent, "sort": last + 1}
    if parent is not None:
        initial.update(
            code=f"{parent.code}.",
            public=parent.public,
            published=parent.published,
            **{f: getattr(parent, f) for f in CategoryForm.LIMITS},
            default_unit=parent.default_unit,
        )
    form = CategoryForm(
        request.POST if request.method == "POST" else None,
        categories=categories,
        units=_unit_choices(request.user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            category = services.save_category(by=acting_user(request), **form.values())
        except RuleError as exc:
            add_rule_errors(form, exc)
        else:
            messages.success(request, _("Category “%(name)s” added.") % {"name": category.display_name})
            return redirect(f"{reverse('cases:setup')}#category-{category.pk}")
    return _tab(
        request,
        "cases/setup_category_form.html",
        "categories",
        {"form": form, "category": None, "parent": parent},
    )


@perm_required(Perm.CONFIGURE)
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    categories = category_tree(_all_categories())
    category = next((c for c, _d in categories if c.pk == pk), None)
    if category is None:
        raise Http404
    initial = {
        f: getattr(category, f)
        for f in (
            "name",
            "name_en",
            "parent",
            "description",
            "public",
            "published",
            "active",
            "sort",
            "default_unit",
            *CategoryForm.LIMITS,
        )
    }
    form = CategoryForm(
        request.POST if request.method == "POST" else None,
        categories=categories,
        units=_unit_choices(request.user, category.default_unit),
        category=category,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_category(by=acting_user(request), category=category, **form.values())
        except RuleError as exc:
            add_rule_errors(form, exc)
        else:
            messages.success(request, _("Category “%(name)s” saved.") % {"name": category.display_name})
            return redirect(f"{reverse('cases:setup')}#category-{category.pk}")
    return _tab(
        request,
        "cases/setup_category_form.html",
        "categories",
        {"form": form, "category": category, "parent": category.parent},
    )


# --- escalation rules ---------------------------------------------------------------------------


@perm_required(Perm.CONFIGURE)
def rules(request: HttpRequest) -> HttpResponse:
    """The rules and a form to add one."""
    form = EscalationRuleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_escalation_rule(by=acting_user(request), **form.cleaned_data)
        except RuleError as exc:
            add_rule_errors(form, exc)
        else:
            messages.success(request, _("Escalation rule added."))
            return redirect("cases:setup_rules")
    return _tab(
        request,
        "cases/setup_rules.html",
        "rules",
        {"rules": EscalationRule.objects.order_by("stage", "overdue_hours", "pk"), "form": form},
    )


@perm_required(Perm.CONFIGURE)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(EscalationRule, pk=pk)
    form = EscalationRuleForm(
        request.POST if request.method == "POST" else None,
        initial={
            "stage": rule.stage,
            "overdue_hours": rule.overdue_hours,
            "action": rule.action,
            "active": rule.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_escalation_rule(by=acting_user(request), rule=rule, **form.cleaned_data)
        except RuleError as exc:
            add_rule_errors(form, exc)
        else:
            messages.success(request, _("Escalation rule saved."))
            return redirect("cases:setup_rules")
    return _tab(request, "cases/setup_rule_form.html", "rules", {"form": form, "rule": rule})


# --- handler units ------------------------------------------------------------------------------


@perm_required(Perm.CONFIGURE)
def units(request: HttpRequest) -> HttpResponse:
    qs = selectors.units_for_setup(request.user).order_by("-active", "area_path", "kind", "name")
    return _tab(request, "cases/setup_units.html", "units", {"units": qs})


def _unit_values(form: UnitForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "kind": data["kind"],
        "area": data["area"],
        "phone": (data.get("phone") or "").strip(),
        "active": data["active"],
    }


@perm_required(Perm.CONFIGURE)
def unit_new(request: HttpRequest) -> HttpResponse:
    form = UnitForm(
        request.POST if request.method == "POST" else None, user=request.user, initial={"active": True}
    )
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.save_unit(by=acting_user(request), **_unit_values(form))
        except RuleError as exc:
            add_rule_errors(form, exc)
        else:
            messages.success(request, _("Unit “%(name)s” added; now add its members.") % {"name": unit.name})
            return redirect("cases:setup_unit", pk=unit.pk)
    return _tab(request, "cases/setup_unit_form.html", "units", {"form": form})


def _unit_for(request: HttpRequest, pk: int) -> HandlerUnit:
    """A unit the user configures; the same 404 for a missing one and one outside their area."""
    return get_object_or_404(selectors.units_for_setup(request.user), pk=pk)


@perm_required(Perm.CONFIGURE)
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's details (editable) and its members."""
    unit = _unit_for(request, pk)
    form = UnitForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial={
            "name": unit.name,
            "kind": unit.kind,
            "area": unit.area,
            "phone": unit.phone,
            "active": unit.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_unit(by=acting_user(request), unit=unit, **_unit_values(form))
        except RuleError as exc:
            add_rule_errors(form, exc)
        else:
            messages.success(request, _("Unit “%(name)s” saved.") % {"name": unit.name})
            return redirect("cases:setup_unit", pk=unit.pk)
    return _unit_page(request, unit, form=form, member_form=UnitMemberForm())


def _unit_page(
    request: HttpRequest, unit: HandlerUnit, *, form: UnitForm, member_form: UnitMemberForm
) -> HttpResponse:
    members = [
        # Prefetched assignments: checking every member's roles costs no query.
        (member, has_perm_anywhere(member.user, Perm.HANDLE_CASES))
        for member in UnitMember.objects.filter(unit=unit)
        .select_related("user")
        .prefetch_related("user__assignments")
        .order_by("-is_lead", "user__username")
    ]
    return _tab(
        request,
        "cases/setup_unit.html",
        "units",
        {"unit": unit, "form": form, "member_form": member_form, "members": members},
    )


@require_POST
@perm_required(Perm.CONFIGURE)
def unit_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit_for(request, pk)
    member_form = UnitMemberForm(request.POST)
    if member_form.is_valid():
        user = member_form.cleaned_data["username"]
        try:
            services.add_unit_member(
                by=acting_user(request), unit=unit, user=user, is_lead=member_form.cleaned_data["is_lead"]
            )
        except RuleError as exc:
            add_rule_errors(member_form, exc)
        else:
            messages.success(request, _("%(user)s added to the unit.") % {"user": user})
            if not has_perm_anywhere(user, Perm.HANDLE_CASES):
                messages.warning(
                    request,
                    _(
                        "%(user)s has no role that handles cases, so they will not see the unit's "
                        "cases until they are given one (for example department handler)."
                    )
                    % {"user": user},
                )
            return redirect("cases:setup_unit", pk=unit.pk)
    form = UnitForm(
        user=request.user,
        initial={
            "name": unit.name,
            "kind": unit.kind,
            "area": unit.area,
            "phone": unit.phone,
            "active": unit.active,
        },
    )
    return _unit_page(request, unit, form=form, member_form=member_form)


@require_POST
@perm_required(Perm.CONFIGURE)
def unit_member_remove(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    unit = _unit_for(request, pk)
    user = get_object_or_404(get_user_model(), pk=user_pk)
    try:
        services.remove_unit_member(by=acting_user(request), unit=unit, user=user)
    except RuleError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(user)s removed from the unit.") % {"user": user})
    return redirect("cases:setup_unit", pk=unit.pk)


# --- Open311 clients ----------------------------------------------------------------------------


@perm_required(Perm.CONFIGURE)
def open311(request: HttpRequest) -> HttpResponse:
    """The clients and a form to create one; the new key is shown once, on the next page."""
    form = Open311ClientForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            client, key = services.create_open311_key(by=acting_user(request), name=form.cleaned_data["name"])
        except RuleError as exc:
            add_rule_errors(form, exc)
        else:
            request.session[NEW_KEY_SESSION] = {"client": client.pk, "key": key}
            return redirect("cases:setup_open311_key", pk=client.pk)
    clients = Open311Client.objects.annotate(n_cases=Count("cases")).order_by("-active", "name")
    return _tab(request, "cases/setup_open311.html", "open311", {"clients": clients, "form": form})


@never_cache
@perm_required(Perm.CONFIGURE)
def open311_key(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows the key of a client just created, once: it is taken out of the session as it is shown,
    and the database only holds its digest."""
    client = get_object_or_404(Open311Client, pk=pk)
    pending = request.session.get(NEW_KEY_SESSION)
    key = None
    if isinstance(pending, dict) and pending.get("client") == client.pk:
        key = pending.get("key")
        del request.session[NEW_KEY_SESSION]
    return _tab(request, "cases/setup_open311_key.html", "open311", {"client": client, "key": key})


@require_POST
@perm_required(Perm.CONFIGURE)
def open311_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Open311Client, pk=pk)
    try:
        services.deactivate_open311_client(client, by=acting_user(request))
    except RuleError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("Client “%(name)s” switched off; its key no longer works.") % {"name": client.name}
        )
    return redirect("cases:setup_open311")
