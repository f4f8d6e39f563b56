"""The audit actions of cases, registered with `audit` from `CasesConfig.ready()`.

Each step of the loop is audited as "case:<event>", the same word the case file uses
(`models.EventAction`); a test checks the two lists stay in step."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseAction(models.TextChoices):
    REPORT = "case:report", _("Reported")
    PRINT = "case:print", _("Printed a case routing sheet")
    ACCEPT = "case:accept", _("Accepted")
    REFUSE = "case:refuse", _("Not accepted")
    DISPATCH = "case:dispatch", _("Dispatched")
    TAKE = "case:take", _("Taken by the unit")
    RETURN = "case:return", _("Returned by the unit")
    REPLY = "case:reply", _("Handling reply")
    ASSIST = "case:assist", _("Co-handling note")
    VERIFY_PASS = "case:verify_pass", _("Verified")
    VERIFY_FAIL = "case:verify_fail", _("Verification failed")
    EVALUATE = "case:evaluate", _("Evaluated")
    REOPEN = "case:reopen", _("Reopened")
    ESCALATE = "case:escalate", _("Escalated")
    SUSPEND = "case:suspend", _("Suspended")
    RESUME = "case:resume", _("Resumed")
    MERGE = "case:merge", _("Merged")
    SUPERVISE = "case:supervise", _("Supervised")
    REMIND = "case:remind", _("Reminder")
    WARN = "case:warn", _("Due soon")
    OVERDUE = "case:overdue", _("Overdue")
    CLOSE = "case:close", pgettext_lazy("case event", "Closed")
    COMMENT = "case:comment", _("Comment")
    CORRECT = "case:correct", _("Correction")
    EXPORT = "case:export", _("Exported cases")
    EXPORT_FIGURES = "case:export_figures", _("Exported case figures")
    SAVE_CATEGORY = "case_category:save", _("Changed a case category")
    SAVE_UNIT = "handler_unit:save", _("Changed a handler unit")
    ADD_UNIT_MEMBER = "handler_unit:add_member", _("Added a unit member")
    REMOVE_UNIT_MEMBER = "handler_unit:remove_member", _("Removed a unit member")
    CREATE_OPEN311_CLIENT = "open311_client:create", _("Created an Open311 client")
    DEACTIVATE_OPEN311_CLIENT = "open311_client:deactivate", _("Switched off an Open311 client")
    SAVE_ESCALATION_RULE = "escalation_rule:save", _("Changed an escalation rule")
    ACKNOWLEDGE_WARNING = "case_warning:acknowledge", _("Acknowledged a warning")
