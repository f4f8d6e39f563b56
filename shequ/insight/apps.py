from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "shequ.insight"
    verbose_name = _("Insight")

    def ready(self) -> None:
        from shequ.audit.views import register_labels

        register_labels({"figures:refresh": _("Refreshed the dashboard figures")})
