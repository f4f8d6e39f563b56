"""Forms of the working-calendar page."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from shequ.core.inputs import Form
from shequ.core.models import CalendarDay, DayKind

_DATE_ERRORS = {"invalid": _("Enter a date like 2027-02-05."), "required": _("Enter a date.")}


class CalendarDayForm(Form):
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=_DATE_ERRORS,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=DayKind.choices)
    name = forms.CharField(
        label=capfirst(_("name")),  # 名称: "Name" is a person's name (姓名)
        required=False,
        max_length=CalendarDay._meta.get_field("name").max_length,
        help_text=_("For example 春节 or 国庆节调休."),
    )


class CalendarDayRemoveForm(Form):
    date = forms.DateField(error_messages=_DATE_ERRORS)
