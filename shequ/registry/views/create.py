"""Adding one record: a resident, a household, a building, an organisation (新增).

Each page is a form over one service; the service checks the permission at the chosen place, the
rules and the audit. A refused form comes back with everything typed and the reasons in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.accounts.decorators import perm_required
from shequ.accounts.roles import Perm
from shequ.accounts.typing import acting_user
from shequ.core.errors import RuleError
from shequ.core.inputs import Form
from shequ.core.pages import add_rule_errors

from .. import services
from ..create_forms import (
    BuildingCreateForm,
    HouseholdCreateForm,
    OrganizationCreateForm,
    PlacedEntryForm,
    ResidentCreateForm,
)

PLACE_PARAMS = ("community", "grid", "micro_grid")


def _entry(
    request: HttpRequest,
    form_class: type[PlacedEntryForm],
    save: Callable[[Any], Any],
    *,
    title: str,
    back: str,
    crumb: str,
    detail: str,
) -> HttpResponse:
    """GET: the empty form (places taken from ?community= / ?grid=, as the lists link to it).
    POST: the service; on success the new record's page, else the form again with its errors."""
    if request.method == "POST":
        form = form_class(request.POST, user=request.user)
        if form.is_valid():
            try:
                obj = save(form)
            except RuleError as exc:
                add_rule_errors(
                    form,
                    exc,
                    aliases={"building": "building_code", "household": "household_number"},
                )
            else:
                messages.success(request, _("%(record)s was added.") % {"record": obj})
                return redirect(detail, pk=obj.pk)
    else:
        initial = {k: request.GET[k] for k in PLACE_PARAMS if k in form_class.PLACES and k in request.GET}
        form = form_class(user=request.user, initial=initial)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "registry/create.html",
        {"form": form, "title": title, "back": back, "crumb": crumb},
        status=status,
    )


def _placed(form: PlacedEntryForm, *names: str) -> dict[str, Any]:
    return {name: form.placed[name] for name in names}


def _values(form: Form, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in names if form.cleaned_data.get(name) is not None}


@perm_required(Perm.CHANGE_REGISTRY)
def resident_create(request: HttpRequest) -> HttpResponse:
    def save(form: ResidentCreateForm) -> Any:
        return services.register_resident(
            by=acting_user(request),
            fields=form.resident_fields(),
            household=form.household,
            # The household's dwelling places the resident in its building's grid when none is picked.
            dwelling=form.household.dwelling if form.household is not None else None,
            reason=_("Registered on the resident form"),
            **_placed(form, "community", "grid", "micro_grid"),
        )

    return _entry(
        request,
        ResidentCreateForm,
        save,
        title=_("New resident"),
        back="registry:residents",
        crumb=_("Residents"),
        detail="registry:resident_detail",
    )


@perm_required(Perm.CHANGE_REGISTRY)
def household_create(request: HttpRequest) -> HttpResponse:
    def save(form: HouseholdCreateForm) -> Any:
        data = form.cleaned_data
        return services.create_household(
            by=acting_user(request),
            community=form.placed["community"],
            number=data["number"],
            household_type=data["household_type"],
            building=form.building,
            unit=data["unit"],
            room=data["room"],
        )

    return _entry(
        request,
        HouseholdCreateForm,
        save,
        title=_("New household"),
        back="registry:households",
        crumb=_("Households"),
        detail="registry:household_detail",
    )


@perm_required(Perm.CHANGE_REGISTRY)
def building_create(request: HttpRequest) -> HttpResponse:
    def save(form: BuildingCreateForm) -> Any:
        data = form.cleaned_data
        return services.create_building(
            by=acting_user(request),
            name=data["name"],
            address=data["address"],
            **_placed(form, "community", "grid", "micro_grid"),
            **_values(form, BuildingCreateForm.EXTRA),
        )

    return _entry(
        request,
        BuildingCreateForm,
        save,
        title=_("New building"),
        back="registry:buildings",
        crumb=_("Buildings"),
        detail="registry:building_detail",
    )


@perm_required(Perm.CHANGE_REGISTRY)
def organization_create(request: HttpRequest) -> HttpResponse:
    def save(form: OrganizationCreateForm) -> Any:
        return services.create_organization(
            by=acting_user(request),
            name=form.cleaned_data["name"],
            building=form.building,
            **_placed(form, "community", "grid"),
            **_values(form, OrganizationCreateForm.EXTRA),
        )

    return _entry(
        request,
        OrganizationCreateForm,
        save,
        title=_("New organisation"),
        back="registry:organizations",
        crumb=_("Organisations"),
        detail="registry:organization_detail",
    )
