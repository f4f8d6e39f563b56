from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "shequ.insight"
    verbose_name = _("Insight")

    def ready(self) -> None:
        from shequ.audit.actions import register

        from .actions import InsightAction

        register(InsightAction)
