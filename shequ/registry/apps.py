from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "shequ.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from shequ.audit.views import register_labels

        from .printing import ACTION_LABELS

        register_labels(ACTION_LABELS)
