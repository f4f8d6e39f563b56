"""打印: the registry's paper forms as PDFs, scoped exactly like the detail pages they print."""

from __future__ import annotations

from django.http import HttpResponse

from shequ.accounts.decorators import perm_required
from shequ.accounts.roles import Perm
from shequ.accounts.typing import AuthedRequest
from shequ.core.http import client_ip
from shequ.core.pdf import pdf_response

from .. import printing, selectors


@perm_required(Perm.VIEW_RESIDENTS)
def resident_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get_for(request.user, pk)
    pdf = printing.resident_card_pdf(resident, by=request.user, ip_address=client_ip(request))
    return pdf_response(pdf, f"居民登记卡-{resident.name}.pdf")


@perm_required(Perm.VIEW_RESIDENTS)
def household_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for(request.user, pk)
    pdf = printing.household_card_pdf(household, by=request.user, ip_address=client_ip(request))
    return pdf_response(pdf, f"户卡-{household.number}.pdf")


@perm_required(Perm.VIEW_PLACES)
def building_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    building = selectors.building_get_for(request.user, pk)
    pdf = printing.building_chart_pdf(building, by=request.user, ip_address=client_ip(request))
    return pdf_response(pdf, f"楼盘表-{building.code}.pdf")
