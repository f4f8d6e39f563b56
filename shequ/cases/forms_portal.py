"""Forms of the resident portal. They only parse what was typed; the rules (a valid phone, a place
inside the area served, real photos, a specific public category) are checked once, by
services.report_case and services.evaluate_case, whose RuleError lands next to the fields here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from shequ.core.inputs import Form

from . import selectors
from .models import CaseCategory, Satisfaction
from .portal import selectors as portal_selectors

# Where a RuleError field of report_case is shown on this form.
REPORT_ERROR_FIELDS = {
    "reporter_phone": "phone",
    "reporter_name": "name",
    "lat": "latitude",
    "long": "longitude",
    "location": "building",
    "note": "address",
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files from one <input multiple> (the pattern in Django's documentation)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(f, initial) for f in files if f]


class ReportForm(Form):
    category = forms.ModelChoiceField(
        label=_("What is the problem?"),
        queryset=CaseCategory.objects.none(),  # set in __init__
        empty_label=_("Choose…"),
        error_messages={
            "required": _("Choose what kind of problem it is."),
            "invalid_choice": _("Choose one of the problems in the list."),
        },
    )
    description = forms.CharField(
        label=_("Describe it"),
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("What is wrong, since when, exactly where…")}
        ),
        error_messages={"required": _("Describe the problem in at least 5 characters.")},
    )
    photos = PhotosField(label=_("Photos"), required=False)
    building_query = forms.CharField(
        label=_("Address or estate"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": _("e.g. 溪南小区 1幢")}
        ),
    )
    building = forms.ModelChoiceField(
        queryset=portal_selectors.buildings(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Choose the address again from the list.")},
    )
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(
        label=_("Where exactly (optional)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. by the east gate, unit 2 stairwell")}),
    )
    name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=64)
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("You follow your case with its number and this phone. It is never shown in full."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = portal_selectors.category_groups()
        field = self.fields["category"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = selectors.public_categories()
        field.choices = [
            ("", _("Choose…")),
            *[(group, [(c.pk, c.display_name) for c in leaves]) for group, leaves in self.groups],
        ]
        self.fields["photos"].help_text = _("Up to %(n)d photos (JPEG, PNG or WebP).") % {
            "n": settings.SHEQU_CASE_PHOTOS_MAX
        }

    @property
    def location_errors(self) -> list[str]:
        return [str(e) for name in ("building", "latitude", "longitude") for e in self.errors.get(name, [])]

    def service_fields(self) -> dict[str, Any]:
        """The cleaned form as report_case's keyword arguments."""
        data = self.cleaned_data
        building = data.get("building")
        return {
            "category": data["category"],
            "description": data["description"],
            "building": building,
            # A building chosen from the list wins over a point tapped before it.
            "latitude": None if building else data.get("latitude") or None,
            "longitude": None if building else data.get("longitude") or None,
            "address": data.get("address", ""),
            "reporter_name": data.get("name", ""),
            "reporter_phone": data.get("phone", ""),
            "photo_files": data.get("photos") or [],
        }


class FollowForm(Form):
    number = forms.CharField(
        label=_("Case number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Enter the case number you were given.")},
    )
    phone = forms.CharField(
        label=_("The phone you left"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("Enter the phone number you left when reporting.")},
    )


class EvaluateForm(Form):
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose satisfied, basically satisfied or unsatisfied.")},
    )
    comment = forms.CharField(
        label=_("Anything to add (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
