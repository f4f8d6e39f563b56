"""打印: the registry's paper forms as PDFs, scoped exactly like the detail pages they print."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from shequ.accounts.decorators import perm_required
from shequ.accounts.roles import Perm
from shequ.core.pdf import pdf_response

from .. import printing, selectors


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@perm_required(Perm.VIEW_RESIDENTS)
def resident_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get_for(request.user, pk)
    pdf = printing.resident_card_pdf(resident, by=request.user, ip_address=_ip(request))
    return pdf_response(pdf, f"居民登记卡-{resident.name}.pdf")


@perm_required(Perm.VIEW_RESIDENTS)
def household_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for(request.user, pk)
    pdf = printing.household_card_pdf(household, by=request.user, ip_address=_ip(request))
    return pdf_response(pdf, f"户卡-{household.number}.pdf")


@perm_required(Perm.VIEW_PLACES)
def building_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.building_get_for(request.user, pk)
    pdf = printing.building_chart_pdf(building, by=request.user, ip_address=_ip(request))
    return pdf_response(pdf, f"楼盘表-{building.code}.pdf")
