"""The verbs of cases, split by sub-domain: reporting, the loop, the clock, the set-up."""

from .batch import dispatch_cases, supervise_cases
from .lifecycle import (
    accept_case,
    assist_case,
    comment_case,
    correct_case,
    dispatch_case,
    escalate_case,
    evaluate_case,
    merge_case,
    refuse_case,
    reply_case,
    resume_case,
    return_case,
    supervise_case,
    suspend_case,
    take_case,
    verify_case,
)
from .reporting import locate, raise_hot_spots, report_case
from .rules_setup import save_escalation_rule
from .setup import (
    add_unit_member,
    client_for_key,
    create_open311_key,
    deactivate_open311_client,
    remove_unit_member,
    save_category,
    save_unit,
    use_open311_key,
)
from .sla import run_clock
from .warnings import acknowledge_warning

__all__ = [
    "accept_case",
    "acknowledge_warning",
    "add_unit_member",
    "assist_case",
    "client_for_key",
    "comment_case",
    "correct_case",
    "create_open311_key",
    "deactivate_open311_client",
    "dispatch_case",
    "dispatch_cases",
    "escalate_case",
    "evaluate_case",
    "locate",
    "merge_case",
    "raise_hot_spots",
    "refuse_case",
    "remove_unit_member",
    "reply_case",
    "report_case",
    "resume_case",
    "return_case",
    "run_clock",
    "save_category",
    "save_escalation_rule",
    "save_unit",
    "supervise_case",
    "supervise_cases",
    "suspend_case",
    "take_case",
    "use_open311_key",
    "verify_case",
]
