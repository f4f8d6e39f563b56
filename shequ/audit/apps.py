from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit records and `record_event`. Sits below accounts: it imports only `core`."""

    name = "shequ.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check)
