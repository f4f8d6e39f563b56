"""The audit actions of the working calendar, registered with `audit` from `WorkdaysConfig.ready()`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarAction(models.TextChoices):
    SET_DAY = "calendar:set", _("Changed a calendar day")
    CLEAR_DAY = "calendar:clear", _("Removed a calendar day")
