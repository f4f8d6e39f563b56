from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditLogConfig(AppConfig):
    """The audit log's pages. No models: the records are `audit.AuditEvent`, written below accounts;
    reading them needs accounts' permissions and scope, so the pages sit above (docs/adr/0009)."""

    name = "shequ.auditlog"
    label = "auditlog"
    verbose_name = _("Audit log")
