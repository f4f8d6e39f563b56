"""Places: buildings and their 楼盘表 (units × floors), grids, organisations and the map."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from shequ.accounts.decorators import perm_required
from shequ.accounts.roles import Perm
from shequ.core.pages import is_htmx, paginate
from shequ.places import geojson
from shequ.places.models import AreaLevel
from shequ.places.selectors import PICKER_LIMIT, match_places

from .. import selectors
from ..forms import USE_CSS, BuildingFilterForm, GridFilterForm, OrganizationFilterForm
from ..models import Building, DwellingUse, ResidentStatus
from .residents import _export

ACTIVE = Q(residents__status=ResidentStatus.ACTIVE)


# --- buildings ----------------------------------------------------------------------------------


def filtered_buildings(request: HttpRequest) -> tuple[QuerySet[Building], BuildingFilterForm]:
    form = BuildingFilterForm(request.GET, user=request.user)
    qs = selectors.buildings_visible_to(request.user)
    if q := form.value("q"):
        qs = qs.filter(
            Q(name__contains=q) | Q(estate__contains=q) | Q(address__contains=q) | Q(code__startswith=q)
        )
    if community := form.value("community"):
        qs = qs.filter(community_id=community)
    if grid := form.value("grid"):
        qs = qs.filter(grid_id=grid)
    return qs, form


PICKER_KINDS = ("community", "grid", "micro_grid")


@login_required
def place_search(request: HttpRequest) -> HttpResponse:
    """The place picker's answers: at most 20 communities, grids or micro-grids the user may see,
    by name or code (places/_picker.html)."""
    kind = request.GET.get("kind", "")
    q = request.GET.get("q") or ""
    tagged = selectors.tagged_picker_places(request.user, kind)
    if tagged is not None:  # several kinds at once: each answer carries "<tag>:<pk>"
        found = []
        for tag, qs in tagged.items():
            for node in match_places(qs, q):
                node.pick_id = f"{tag}:{node.pk}"
                found.append(node)
        nodes = sorted(found, key=lambda n: n.path)[:PICKER_LIMIT]
    elif kind in PICKER_KINDS:
        nodes = match_places(selectors.picker_places(request.user, kind), q)
    else:
        raise Http404
    return render(request, "places/_picker_results.html", {"nodes": nodes})


@perm_required(Perm.VIEW_PLACES)
def building_list(request: HttpRequest) -> HttpResponse:
    qs, form = filtered_buildings(request)
    qs = qs.annotate(n_dwellings=Count("dwellings", distinct=True))
    can_residents = selectors.can(request.user, Perm.VIEW_RESIDENTS)
    ctx = {
        "form": form,
        "can_residents": can_residents,
        "can_export": selectors.can(request.user, Perm.EXPORT_REGISTRY),
        **paginate(request, qs),
    }
    if can_residents:
        # Residents counted separately (one query for the page) so the two counts don't multiply.
        ids = [b.pk for b in ctx["object_list"]]
        counts = dict(
            selectors.residents_visible_to(request.user, with_tags=False)
            .filter(dwelling__building_id__in=ids, status=ResidentStatus.ACTIVE)
            .order_by()
            .values_list("dwelling__building_id")
            .annotate(n=Count("id"))
        )
        for b in ctx["object_list"]:
            b.n_residents = counts.get(b.pk, 0)
    if is_htmx(request):
        return render(request, "registry/buildings/_table.html", ctx)
    return render(request, "registry/buildings/list.html", ctx)


@perm_required(Perm.EXPORT_REGISTRY)
def building_export(request: HttpRequest) -> HttpResponse:
    qs, _form = filtered_buildings(request)
    return _export(request, "buildings_xlsx", qs, reverse("registry:buildings"))


def floor_plan(dwellings: list[Any], *, floors: int = 0, units: int = 0) -> dict[str, Any]:
    """Arrange dwellings as the 楼盘表: a row per floor (top floor first), a column per unit.

    The building's recorded floors and units are drawn even where no dwelling is registered yet,
    so gaps in the register show up as empty cells.
    """
    unit_names = {d.unit for d in dwellings}
    if units and (not dwellings or unit_names - {""}):
        unit_names |= {str(i) for i in range(1, min(units, 12) + 1)}
    ordered_units = sorted(unit_names, key=lambda u: (len(u), u))
    floor_numbers = {d.floor for d in dwellings} | set(range(1, min(floors, 60) + 1))
    cells: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for d in dwellings:
        d.css = USE_CSS.get(d.use, "use-other")
        cells[(d.floor, d.unit)].append(d)
    width = {u: max([len(cells[(f, u)]) for f in floor_numbers] + [1]) for u in ordered_units}
    rows = []
    for f in sorted(floor_numbers, reverse=True):
        row = []
        for u in ordered_units:
            rooms = sorted(cells[(f, u)], key=lambda d: (len(d.room), d.room))
            row.append({"unit": u, "rooms": rooms, "pad": range(width[u] - len(rooms))})
        rows.append({"floor": f, "cells": row})
    return {"units": [{"name": u, "width": width[u]} for u in ordered_units], "rows": rows}


@perm_required(Perm.VIEW_PLACES)
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    building = selectors.building_get_for(user, pk)
    can_residents = selectors.can(user, Perm.VIEW_RESIDENTS, building)
    dwellings: list[Any] = []
    if can_residents:
        dwellings = list(
            selectors.dwellings_visible_to(user)
            .filter(building=building)
            .annotate(
                n_residents=Count("residents", filter=ACTIVE, distinct=True),
                n_households=Count("households", distinct=True),
            )
        )
    stats = {
        "dwellings": len(dwellings),
        "residents": sum(d.n_residents for d in dwellings),
        "vacant": sum(1 for d in dwellings if d.use == DwellingUse.VACANT or not d.n_residents),
        "rented": sum(1 for d in dwellings if d.use == DwellingUse.RENTED),
    }
    return render(
        request,
        "registry/buildings/detail.html",
        {
            "building": building,
            "plan": floor_plan(dwellings, floors=building.floors, units=building.units)
            if can_residents
            else None,
            "stats": stats,
            "can_residents": can_residents,
            "uses": DwellingUse.choices,
            "use_css": USE_CSS,
        },
    )


@perm_required(Perm.VIEW_RESIDENTS)
def dwelling_residents(request: HttpRequest, pk: int, dwelling_pk: int) -> HttpResponse:
    """The residents of one dwelling, for the panel beside the 楼盘表."""
    user = request.user
    building = selectors.building_get_for(user, pk)
    dwelling = selectors.dwellings_visible_to(user).filter(building=building, pk=dwelling_pk).first()
    if dwelling is None:
        raise Http404
    residents = list(
        selectors.residents_visible_to(user)
        .filter(dwelling=dwelling)
        .order_by("status", "household_id", "relation_to_head")
    )
    households = list(selectors.households_visible_to(user).filter(dwelling=dwelling))
    return render(
        request,
        "registry/buildings/_dwelling.html",
        {"building": building, "dwelling": dwelling, "residents": residents, "households": households},
    )


# --- grids and organisations --------------------------------------------------------------------


@perm_required(Perm.VIEW_PLACES)
def grid_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = GridFilterForm(request.GET)
    qs = (
        selectors.grids_visible_to(user)
        .prefetch_related("micro_grids")
        .annotate(n_buildings=Count("buildings", distinct=True))
    )
    if q := form.value("q"):
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q) | Q(community__name__contains=q))
    can_residents = selectors.can(user, Perm.VIEW_RESIDENTS)
    ctx = paginate(request, qs, default=50)
    if can_residents:
        ids = [g.pk for g in ctx["object_list"]]
        residents = (
            selectors.residents_visible_to(user, with_tags=False)
            .filter(grid_id__in=ids, status=ResidentStatus.ACTIVE)
            .order_by()
        )
        people = dict(residents.values_list("grid_id").annotate(n=Count("id")))
        households = dict(
            residents.exclude(household=None)
            .values_list("grid_id")
            .annotate(n=Count("household_id", distinct=True))
        )
        for g in ctx["object_list"]:
            g.n_residents, g.n_households = people.get(g.pk, 0), households.get(g.pk, 0)
    ctx.update(form=form, can_residents=can_residents)
    if is_htmx(request):
        return render(request, "registry/grids_table.html", ctx)
    return render(request, "registry/grids.html", ctx)


@perm_required(Perm.VIEW_PLACES)
def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationFilterForm(request.GET, user=request.user)
    qs = selectors.organizations_visible_to(request.user)
    if q := form.value("q"):
        qs = qs.filter(Q(name__contains=q) | Q(credit_code__startswith=q) | Q(address__contains=q))
    if kind := form.value("kind"):
        qs = qs.filter(kind=kind)
    if grid := form.value("grid"):
        qs = qs.filter(grid_id=grid)
    ctx = {"form": form, **paginate(request, qs)}
    if is_htmx(request):
        return render(request, "registry/organizations/_table.html", ctx)
    return render(request, "registry/organizations/list.html", ctx)


# --- map ----------------------------------------------------------------------------------------


@perm_required(Perm.VIEW_PLACES)
def map_page(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/map.html")


def _with_links(collection: dict[str, Any], objs: list[Any], link: Any) -> dict[str, Any]:
    by_code = {o.code: o for o in objs}
    for f in collection["features"]:
        obj = by_code.get(f["id"])
        if obj is not None:
            f["properties"]["url"] = link(obj)
    return collection


@perm_required(Perm.VIEW_PLACES)
def map_base(request: HttpRequest) -> JsonResponse:
    """The base layer drawn from shequ's own data when there is no tile service (ADR 0010): the
    buildings in the user's scope with their names, and community and grid names."""
    user = request.user
    data = selectors.base_layer(
        selectors.buildings_visible_to(user),
        selectors.areas_visible_to(user).filter(level=AreaLevel.COMMUNITY),
        selectors.grids_visible_to(user).filter(end_date__isnull=True),
        selectors.roads_visible_to(user),
        link=lambda pk: reverse("registry:building_detail", args=[pk]),
    )
    response = JsonResponse(data)
    # Buildings change seldom; a worker's browser may keep the layer while moving between maps.
    response["Cache-Control"] = "private, max-age=300"
    return response


@perm_required(Perm.VIEW_PLACES)
def map_data(request: HttpRequest) -> JsonResponse:
    """The user's communities, grids and micro-grids as GeoJSON layers."""
    user = request.user
    can_residents = selectors.can(user, Perm.VIEW_RESIDENTS)
    residents_url = reverse("registry:residents")
    buildings_url = reverse("registry:buildings")
    communities = list(selectors.areas_visible_to(user).filter(level=AreaLevel.COMMUNITY))
    grids = list(selectors.grids_visible_to(user).filter(end_date__isnull=True))
    micro = list(selectors.micro_grids_visible_to(user))

    def community_link(a: Any) -> str:
        return f"{residents_url if can_residents else buildings_url}?community={a.pk}"

    def grid_link(g: Any) -> str:
        return f"{residents_url if can_residents else buildings_url}?grid={g.pk}"

    def micro_link(m: Any) -> str:
        return f"{buildings_url}?grid={m.grid_id}"

    return JsonResponse(
        {
            "communities": _with_links(
                geojson.feature_collection(communities, kind="community"), communities, community_link
            ),
            "grids": _with_links(geojson.feature_collection(grids, kind="grid"), grids, grid_link),
            "micro_grids": _with_links(
                geojson.feature_collection(micro, kind="micro_grid"), micro, micro_link
            ),
        }
    )
