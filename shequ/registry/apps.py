from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "shequ.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from shequ.audit.actions import register

        from .actions import RegistryAction

        register(RegistryAction)
