from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "shequ.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from shequ.audit.views import register_labels

        from . import printing
        from .models import EventAction

        labels = {f"case:{action.value}": action.label for action in EventAction}
        labels.update(
            {
                "case:export": _("Exported cases"),
                "case:export_figures": _("Exported case figures"),
                "case_category:save": _("Changed a case category"),
                "handler_unit:save": _("Changed a handler unit"),
                "handler_unit:add_member": _("Added a unit member"),
                "handler_unit:remove_member": _("Removed a unit member"),
                "open311_client:create": _("Created an Open311 client"),
                "open311_client:deactivate": _("Switched off an Open311 client"),
                "escalation_rule:save": _("Changed an escalation rule"),
                "case_warning:acknowledge": _("Acknowledged a warning"),
            }
        )
        register_labels(labels)
        register_labels(printing.ACTION_LABELS)
