"""Printed forms of the registry: the resident registration card (居民登记卡), the household card
(户卡) and a building's 楼盘表, as PDFs laid out like the paper forms.

Callers pass records they got through `selectors.<entity>_get_for(user, id)`, so a form prints
only what the detail page shows. ID and phone numbers appear masked, never in full. Each form
printed writes an audit record: a printed card is personal data leaving the system.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from shequ.accounts.models import User
from shequ.accounts.roles import Perm
from shequ.audit.services import record_event
from shequ.core import codes
from shequ.core.models import CodeTable
from shequ.core.pdf import render_pdf

from . import selectors
from .actions import RegistryAction
from .models import Building, Household, Resident, ResidentStatus


def _member_rows(user: Any, household_id: int | None) -> list[Resident]:
    if not household_id:
        return []
    members = list(
        selectors.residents_visible_to(user, with_tags=False)
        .filter(household_id=household_id)
        .order_by("relation_to_head", "birth_date")
    )
    for m in members:
        _label_codes(m)
    return members


def _label_codes(r: Resident) -> Resident:
    r.sex_label = codes.display_label(CodeTable.SEX, r.gender)  # type: ignore[attr-defined]
    r.ethnicity_label = codes.display_label(CodeTable.ETHNICITY, r.ethnicity)  # type: ignore[attr-defined]
    r.political_label = codes.display_label(CodeTable.POLITICAL_STATUS, r.political_status)  # type: ignore[attr-defined]
    r.education_label = codes.display_label(CodeTable.EDUCATION, r.education)  # type: ignore[attr-defined]
    r.marital_label = codes.display_label(CodeTable.MARITAL_STATUS, r.marital_status)  # type: ignore[attr-defined]
    r.relation_label = codes.display_label(CodeTable.RELATIONSHIP, r.relation_to_head)  # type: ignore[attr-defined]
    return r


def _community_name(area: Any) -> str:
    return str(getattr(area, "full_name", "") or area.name)


def resident_card_pdf(resident: Resident, *, by: User, ip_address: str | None = None) -> bytes:
    """居民登记卡: the resident's particulars, their household and the signature boxes."""
    pdf = render_pdf(
        "registry/print/resident.html",
        {
            "resident": _label_codes(resident),
            "tags": [link.tag.display_name for link in getattr(resident, "visible_tags", [])],
            "members": _member_rows(by, resident.household_id),
            "community_name": _community_name(resident.community),
            "printed_by": by,
        },
    )
    record_event(actor=by, action=RegistryAction.PRINT_RESIDENT, target=resident, ip_address=ip_address)
    return pdf


def household_card_pdf(household: Household, *, by: User, ip_address: str | None = None) -> bytes:
    """户卡: the household, its dwelling and every member in scope, one row each."""
    members = _member_rows(by, household.pk)
    pdf = render_pdf(
        "registry/print/household.html",
        {
            "household": household,
            "members": members,
            "head": next((m for m in members if m.pk == household.head_id), household.head),
            "community_name": _community_name(household.community),
            "printed_by": by,
        },
    )
    record_event(actor=by, action=RegistryAction.PRINT_HOUSEHOLD, target=household, ip_address=ip_address)
    return pdf


def building_chart_pdf(building: Building, *, by: User, ip_address: str | None = None) -> bytes:
    """楼盘表: a row per floor, a column per stairwell unit; each room with its household head and
    head count, as the page shows them to a role that may see residents."""
    from .views.places import floor_plan  # the same arrangement as the page

    can_residents = selectors.can(by, Perm.VIEW_RESIDENTS, building)
    dwellings: list[Any] = []
    if can_residents:
        dwellings = list(
            selectors.dwellings_visible_to(by)
            .filter(building=building)
            .annotate(
                n_residents=Count(
                    "residents", filter=Q(residents__status=ResidentStatus.ACTIVE), distinct=True
                )
            )
        )
        heads: dict[int, list[str]] = {}
        for h in (
            selectors.households_visible_to(by)
            .filter(dwelling__building=building, head__isnull=False)
            .select_related("head")
            .order_by("number")
        ):
            if h.head is not None and h.dwelling_id is not None:
                heads.setdefault(h.dwelling_id, []).append(h.head.name)
        for d in dwellings:
            d.heads = heads.get(d.pk, [])
    pdf = render_pdf(
        "registry/print/building.html",
        {
            "building": building,
            "plan": floor_plan(dwellings, floors=building.floors, units=building.units)
            if can_residents
            else None,
            "n_dwellings": len(dwellings),
            "n_residents": sum(d.n_residents for d in dwellings),
            "community_name": _community_name(building.community),
            "printed_by": by,
        },
    )
    record_event(actor=by, action=RegistryAction.PRINT_BUILDING, target=building, ip_address=ip_address)
    return pdf
