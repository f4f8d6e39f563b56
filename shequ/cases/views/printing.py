"""打印: a case's routing sheet (案件处理单) as a PDF, for whoever may open the case."""

from __future__ import annotations

from django.http import HttpResponse

from shequ.accounts.typing import AuthedRequest
from shequ.core.http import client_ip
from shequ.core.pdf import pdf_response

from .. import printing, selectors
from .cases import CASE_PERMS, any_perm_required


@any_perm_required(*CASE_PERMS)
def case_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    pdf = printing.routing_sheet_pdf(case, by=request.user, ip_address=client_ip(request))
    return pdf_response(pdf, f"案件处理单-{case.number}.pdf")
