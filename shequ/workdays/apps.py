from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    """工作日历: the page and services that edit the working calendar. The calendar itself (its
    model and arithmetic) is in `core`, which every app reads; editing it needs a permission
    (`accounts`) and writes an audit event (`audit`), so the editing sits above both."""

    name = "shequ.workdays"
    label = "workdays"
    verbose_name = _("Working calendar")

    def ready(self) -> None:
        from shequ.audit.actions import register

        from . import checks  # noqa: F401  (registers the calendar's system check)
        from .actions import CalendarAction

        register(CalendarAction)
