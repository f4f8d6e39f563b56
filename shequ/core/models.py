from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class CodeTable(models.TextChoices):
    """National code tables kept as data (DESIGN rule 7)."""

    SEX = "sex", _("Sex (GB/T 2261.1)")
    MARITAL_STATUS = "marital_status", _("Marital status (GB/T 2261.2)")
    ETHNICITY = "ethnicity", _("Ethnicity (GB 3304)")
    POLITICAL_STATUS = "political_status", _("Political status (GB/T 4762)")
    EDUCATION = "education", _("Education (GB/T 4658)")
    RELATIONSHIP = "relationship", _("Family relationship (GB/T 4761)")
    DISABILITY_CATEGORY = "disability_category", _("Disability category (GB/T 26341)")
    DISABILITY_GRADE = "disability_grade", _("Disability grade (GB/T 26341)")
    DIVISION = "division", _("Administrative division (GB/T 2260)")


class Code(models.Model):
    table = models.CharField(_("code table"), max_length=32, choices=CodeTable.choices)
    code = models.CharField(_("code"), max_length=12)
    name = models.CharField(_("name"), max_length=64)
    edition = models.CharField(
        _("edition"), max_length=16, blank=True, help_text=_("Year of the table this code is from.")
    )
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        ordering = ["table", "code"]
        constraints = [models.UniqueConstraint(fields=["table", "code"], name="core_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
