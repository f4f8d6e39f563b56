"""案件处理单: a case's routing sheet as a PDF, laid out like the paper form: the case, each step
of its file, and the boxes where the desk, the handler and the verifier sign.

The caller passes a case it got through `selectors.case_get_for(user, id)`; the reporter's phone
appears masked. Printing writes an audit record (the sheet names the reporter).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.audit.services import record_event
from shequ.core.pdf import render_pdf

from . import selectors
from .models import Case


class PrintAction(models.TextChoices):
    """Audit actions of this module (`noun:verb`) with the audit log's labels."""

    CASE = "case:print", _("Printed a case routing sheet")


ACTION_LABELS = {action.value: action.label for action in PrintAction}


def routing_sheet_pdf(case: Case, *, by: Any, ip_address: str | None = None) -> bytes:
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
    record_event(actor=by, action=PrintAction.CASE, target=case, ip_address=ip_address)
    return pdf
