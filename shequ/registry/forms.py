"""Forms of the registry pages. They only shape input; the rules live in services and validation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core import codes
from shequ.core.inputs import Form
from shequ.core.models import CodeTable
from shequ.places.forms import PlaceField, PlacePicker

from . import selectors
from .models import (
    DwellingUse,
    HouseholdStatus,
    HouseholdType,
    LifeEventKind,
    OrgKind,
    ResidenceType,
    ResidentStatus,
    RevealPurpose,
)

PLACE_SEARCH = reverse_lazy("registry:place_search")


def place_field(kind: str) -> PlaceField:
    """A list filter's community, grid or micro-grid: picked by typing, sent as its id."""
    return PlaceField(kind=kind, url=PLACE_SEARCH)


def set_places(form: forms.Form, user: Any, *names: str) -> None:
    """Scope the form's place fields to what `user` may see."""
    for name in names:
        field = form.fields[name]
        assert isinstance(field, PlaceField) and isinstance(field.widget, PlacePicker)
        field.queryset = selectors.picker_places(user, field.widget.kind)


def _blank(label: Any = "") -> list[tuple[str, Any]]:
    return [("", label)]


def _set_choices(form: forms.Form, name: str, choices: Any) -> None:
    """Fill the choices of a form's choice field (declared as a ChoiceField on the form)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class FilterForm(Form):
    """Base of the GET filter forms: `value()` reads one cleaned filter value."""

    def value(self, name: str) -> Any:
        """The cleaned value, or None when missing or invalid."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        if name in self.errors:
            return None
        return self.cleaned_data.get(name) or None


class ResidentFilterForm(FilterForm):
    """GET filters of the residents list; a bad value drops that filter instead of failing."""

    q = forms.CharField(required=False, max_length=64)
    community = place_field("community")
    grid = place_field("grid")
    tag = forms.ChoiceField(required=False)
    age = forms.ChoiceField(required=False)
    residence_type = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        set_places(self, user, "community", "grid")
        tags = [(t.code, t.display_name) for t in selectors.tag_types_visible_to(user)]
        _set_choices(self, "tag", _blank(_("All tags")) + tags)
        _set_choices(
            self,
            "age",
            _blank(_("All ages")) + [(k, _("%(band)s years") % {"band": k}) for k in selectors.AGE_BANDS],
        )
        _set_choices(self, "residence_type", _blank(_("All residence types")) + list(ResidenceType.choices))
        _set_choices(self, "status", _blank(_("All statuses")) + list(ResidentStatus.choices))


def _code_choices(table: CodeTable) -> list[tuple[str, str]]:
    return [("", "—"), *codes.display_choices(table)]


class CodeChoiceField(forms.ChoiceField):
    """A national code picked from its table, or typed as its code, official name or a declared
    short form (儿子, 中共党员): matched as the import matches it, never by prefix."""

    def __init__(self, table: CodeTable, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table = table

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        try:
            return codes.resolve(self.table, text) or ""
        except codes.UnknownCode as exc:
            raise forms.ValidationError(exc.message, code="invalid_choice") from exc

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)  # to_python has already checked it against the table


class ResidentEditForm(Form):
    """The resident's own fields. ID and phone numbers are never pre-filled: typing a new one
    replaces it, leaving the box empty keeps the stored number."""

    name = forms.CharField(label=_("Name"), max_length=64)
    gender = forms.ChoiceField(label=_("Sex"), required=False)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ethnicity = CodeChoiceField(CodeTable.ETHNICITY, label=_("Ethnicity"), required=False)
    political_status = CodeChoiceField(
        CodeTable.POLITICAL_STATUS, label=_("Political status"), required=False
    )
    education = CodeChoiceField(CodeTable.EDUCATION, label=_("Education"), required=False)
    marital_status = CodeChoiceField(CodeTable.MARITAL_STATUS, label=_("Marital status"), required=False)
    relation_to_head = CodeChoiceField(CodeTable.RELATIONSHIP, label=_("Relation to head"), required=False)
    residence_type = forms.ChoiceField(label=_("Residence type"), choices=ResidenceType.choices)
    new_phone = forms.CharField(
        label=_("New phone number"),
        required=False,
        max_length=20,
        help_text=_("Leave empty to keep the current number."),
    )
    new_id_number = forms.CharField(
        label=_("New ID number"),
        required=False,
        max_length=32,
        help_text=_("Leave empty to keep the current number."),
    )
    hukou_address = forms.CharField(label=_("Registered (hukou) address"), required=False, max_length=200)
    workplace = forms.CharField(label=_("Workplace"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=200,
        help_text=_("Kept in the change history, e.g. 入户走访核实."),
    )

    CODED = {
        "ethnicity": CodeTable.ETHNICITY,
        "political_status": CodeTable.POLITICAL_STATUS,
        "education": CodeTable.EDUCATION,
        "marital_status": CodeTable.MARITAL_STATUS,
        "relation_to_head": CodeTable.RELATIONSHIP,
    }
    PLAIN = ("name", "gender", "birth_date", "residence_type", "hukou_address", "workplace", "notes", *CODED)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "gender", _code_choices(CodeTable.SEX))
        for name, table in self.CODED.items():
            _set_choices(self, name, _code_choices(table))

    @classmethod
    def initial_for(cls, resident: Any) -> dict[str, Any]:
        return {name: getattr(resident, name) for name in cls.PLAIN}

    def changed_fields(self, resident: Any) -> dict[str, Any]:
        """Only what differs, so history records exactly the fields the worker changed."""
        data: dict[str, Any] = {}
        for name in self.PLAIN:
            value = self.cleaned_data.get(name)
            current = getattr(resident, name)
            if (value or None) != (current or None):
                data[name] = "" if value is None else value
        if self.cleaned_data.get("new_phone"):
            data["phone"] = self.cleaned_data["new_phone"]
        if self.cleaned_data.get("new_id_number"):
            data["id_number"] = self.cleaned_data["new_id_number"]
            data.setdefault("id_type", resident.id_type)
        return data


class RevealForm(Form):
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=[("", _("Choose a purpose")), *RevealPurpose.choices],
        error_messages={"required": _("Choose the purpose of this reveal.")},
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        error_messages={"required": _("Say why you need to see the full numbers.")},
    )


class LifeEventForm(Form):
    kind = forms.ChoiceField(label=_("Event"), choices=LifeEventKind.choices)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    household_number = forms.CharField(
        label=_("New household number"),
        required=False,
        max_length=32,
        help_text=_("For moving in or changing household."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class TagAddForm(Form):
    tag = forms.ChoiceField(label=_("Tag"))
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args: Any, tags: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "tag", [(t.code, t.display_name) for t in tags])


class LinkLoginForm(Form):
    """Which login belongs to this resident: a username, or empty to unlink."""

    username = forms.CharField(label=_("Resident's username"), required=False, max_length=150)


class HouseholdFilterForm(FilterForm):
    q = forms.CharField(required=False, max_length=64)
    community = place_field("community")
    grid = place_field("grid")
    household_type = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        set_places(self, user, "community", "grid")
        _set_choices(self, "household_type", _blank(_("All types")) + list(HouseholdType.choices))
        _set_choices(self, "status", _blank(_("All statuses")) + list(HouseholdStatus.choices))


class BuildingFilterForm(FilterForm):
    q = forms.CharField(required=False, max_length=64)
    community = place_field("community")
    grid = place_field("grid")

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        set_places(self, user, "community", "grid")


class OrganizationFilterForm(FilterForm):
    q = forms.CharField(required=False, max_length=64)
    kind = forms.ChoiceField(required=False, choices=_blank(_("All kinds")) + list(OrgKind.choices))
    grid = place_field("grid")

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        set_places(self, user, "grid")


class GridFilterForm(FilterForm):
    q = forms.CharField(required=False, max_length=64)


USE_CSS = {value: f"use-{value}" for value in DwellingUse.values}
