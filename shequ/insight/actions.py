"""The audit actions of insight, registered with `audit` from `InsightConfig.ready()`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InsightAction(models.TextChoices):
    REFRESH_FIGURES = "figures:refresh", _("Refreshed the dashboard figures")
