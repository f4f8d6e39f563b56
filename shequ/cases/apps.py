from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "shequ.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from shequ.audit.actions import register

        from .actions import CaseAction

        register(CaseAction)
