"""Escalation rules a county admin sets: what the clock job does when a stage runs late
(DESIGN rule 8: the figures are rows, not constants)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.permissions import require
from shequ.accounts.roles import Perm
from shequ.accounts.typing import Actor
from shequ.audit.services import record_event
from shequ.cases.actions import CaseAction
from shequ.core.errors import RuleError

from ..models import EscalationAction, EscalationRule, Stage

# Passing a case up (上报) only makes sense before a unit has it: services.sla escalates reported
# and accepted cases and would merely remind at the later stages.
ESCALATING_STAGES = (Stage.ACCEPT, Stage.DISPATCH)
MAX_OVERDUE_HOURS = Decimal(2000)


@transaction.atomic
def save_escalation_rule(
    *,
    by: Actor,
    stage: str,
    overdue_hours: Any,
    action: str,
    active: bool = True,
    rule: EscalationRule | None = None,
) -> EscalationRule:
    """Create or change a rule "when <stage> is overdue by <hours> working hours, <action>".
    Rules are switched off, never deleted, so the case files that cite them stay readable."""
    require(by, Perm.CONFIGURE)
    errors: dict[str, list[Any]] = {}
    if stage not in Stage.values:
        errors["stage"] = [_("Unknown stage.")]
    if action not in EscalationAction.values:
        errors["action"] = [_("Unknown action.")]
    try:
        hours = Decimal(str(overdue_hours)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        hours = Decimal(-1)
    if not (Decimal(0) <= hours <= MAX_OVERDUE_HOURS):
        errors["overdue_hours"] = [_("Between 0 and 2,000 working hours.")]
    if not errors and action == EscalationAction.ESCALATE and stage not in ESCALATING_STAGES:
        errors["action"] = [
            _("Only cases not yet sent to a unit can be passed up; choose remind or supervise here.")
        ]
    if errors:
        raise RuleError("invalid", _("Please correct the marked fields."), fields=errors)
    clash = EscalationRule.objects.filter(stage=stage, overdue_hours=hours, action=action)
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        message = _("The same rule exists already.")
        raise RuleError("duplicate", message, fields={"overdue_hours": [message]})
    rule = rule or EscalationRule()
    rule.stage, rule.overdue_hours, rule.action, rule.active = stage, hours, action, bool(active)
    rule.save()
    record_event(
        actor=by,
        action=CaseAction.SAVE_ESCALATION_RULE,
        target=rule,
        extra={"stage": stage, "overdue_hours": str(hours), "action": action, "active": rule.active},
    )
    return rule
