"""Warnings raised from what the cases show (信息感知可预警): somebody responsible says they have
seen a hot spot and are dealing with it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.permissions import require
from shequ.accounts.roles import Perm
from shequ.accounts.typing import Actor, person
from shequ.audit.services import record_event
from shequ.cases.actions import CaseAction
from shequ.core.errors import RuleError

from ..models import CaseWarning
from .common import now


@transaction.atomic
def acknowledge_warning(warning: CaseWarning, *, by: Actor) -> CaseWarning:
    """确认预警: someone who runs the loop where the hot spot is (manage_cases there) takes note of
    it. It leaves the open list; new reports at the same place raise a fresh warning."""
    warning = CaseWarning.objects.select_for_update().get(pk=warning.pk)
    require(by, Perm.MANAGE_CASES, warning.area_path)
    if warning.acknowledged_at is not None:
        raise RuleError("already_acknowledged", _("This warning has already been acknowledged."))
    warning.acknowledged_at = now()
    warning.acknowledged_by = person(by)
    # updated_at stays the time of the latest report, which is what the warning lists show.
    warning.save(update_fields=["acknowledged_at", "acknowledged_by"])
    record_event(actor=by, action=CaseAction.ACKNOWLEDGE_WARNING, target=warning)
    return warning
