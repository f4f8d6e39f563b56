"""案件处理单: a case's routing sheet as a PDF, laid out like the paper form: the case, each step
of its file, and the boxes where the desk, the handler and the verifier sign.

The caller passes a case it got through `selectors.case_get_for(user, id)`; the reporter's phone
appears masked. Printing writes an audit record (the sheet names the reporter).
"""

from __future__ import annotations

from shequ.accounts.models import User
from shequ.audit.services import record_event
from shequ.core.pdf import render_pdf

from . import selectors
from .actions import CaseAction
from .models import Case


def routing_sheet_pdf(case: Case, *, by: User, ip_address: str | None = None) -> bytes:
    community = case.community
    pdf = render_pdf(
        "cases/print/routing_sheet.html",
        {
            "case": case,
            "events": list(selectors.case_file(case)),
            "co_units": list(case.co_units.all()),
            "community_name": getattr(community, "full_name", "") or community.name,
            "printed_by": by,
        },
    )
    record_event(actor=by, action=CaseAction.PRINT, target=case, ip_address=ip_address)
    return pdf
