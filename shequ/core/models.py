from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format
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


class DayKind(models.TextChoices):
    """How a calendar exception differs from the default week (Monday to Friday at work)."""

    # Translators: 节假日 / 休息日, a weekday that is not worked
    HOLIDAY = "holiday", _("Holiday (day off)")
    # Translators: 调休上班, a Saturday or Sunday that is worked to make up for a holiday
    WORKDAY = "workday", _("Make-up working day")


def calendar_day_problem(day: dt.date, kind: str) -> str | None:
    """Why an exception on `day` would change nothing, or None: only a weekday can be taken off
    and only a Saturday or Sunday can be worked, since the default week already says the rest."""
    names = {"date": day.isoformat(), "weekday": date_format(day, "l")}
    weekend = day.weekday() >= 5
    if kind == DayKind.HOLIDAY and weekend:
        return (
            _("%(date)s is a %(weekday)s, a day off anyway: only Monday to Friday can be marked a holiday.")
            % names
        )
    if kind == DayKind.WORKDAY and not weekend:
        return (
            _(
                "%(date)s is a %(weekday)s, a working day anyway: "
                "only a Saturday or Sunday can be marked a make-up working day."
            )
            % names
        )
    if kind not in DayKind.values:
        return str(_("Choose whether the day is a holiday or a make-up working day."))
    return None


class CalendarDay(TimeStamped):
    """An exception to the default working week: a weekday off or a weekend day at work (调休).

    Days that follow the default rule have no row; `core.calendar` reads all rows at once.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    name = models.CharField(
        _("name"), max_length=64, blank=True, help_text=_("For example 春节 or 国庆节调休.")
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name or self.get_kind_display()}"

    def clean(self) -> None:
        problem = calendar_day_problem(self.date, self.kind) if self.date else None
        if problem:
            raise ValidationError({"kind": problem})
