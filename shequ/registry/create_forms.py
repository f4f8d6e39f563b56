"""The forms that add one record: a resident, a household, a building, an organisation.

They only shape what was typed; the rules (ID numbers, phones, codes, numbering, scope) are the
services' and `validation.clean_resident`'s, the same as the import's and the API's. Places are
picked by typing (`PlaceField`), among the places the user may see; the service then checks that
the user may change the registry there.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.inputs import Form
from shequ.core.models import CodeTable
from shequ.places.forms import PlaceField, PlacePicker

from . import selectors
from .forms import PLACE_SEARCH, CodeChoiceField, _code_choices, _set_choices
from .models import HouseholdType, IdType, OrgKind, ResidenceType
from .validation import RESIDENT_FIELDS


class EntryPlacePicker(PlacePicker):
    """The picker in an entry form: it says what to type, not "all communities" as a filter does."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["placeholder"] = _("Type a name or code")
        return context


def entry_place(kind: str, label: Any, *, required: bool = False) -> PlaceField:
    field = PlaceField(kind=kind, url=PLACE_SEARCH, label=label, required=required)
    field.widget = EntryPlacePicker(kind=kind, url=PLACE_SEARCH)
    return field


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlacedEntryForm(Form):
    """An entry form with place fields: each offers only what the user may see; `places()` turns
    the picked ids into the community, grid and micro-grid the service takes, refusing places that
    do not belong together."""

    PLACES: tuple[str, ...] = ("community", "grid", "micro_grid")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for name in self.PLACES:
            field = self.fields[name]
            assert isinstance(field, PlaceField) and isinstance(field.widget, PlacePicker)
            field.queryset = selectors.picker_places(user, field.widget.kind)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        objs = {
            name: self.fields[name].queryset.get(pk=data[name])  # type: ignore[attr-defined]
            for name in self.PLACES
            if data.get(name)
        }
        micro, grid, community = objs.get("micro_grid"), objs.get("grid"), objs.get("community")
        if micro is not None:
            if grid is not None and micro.grid_id != grid.pk:
                self.add_error("micro_grid", _("The micro-grid is not in this grid."))
            grid = grid or micro.grid
        if grid is not None:
            if community is not None and grid.community_id != community.pk:
                self.add_error("grid", _("This place is not in the community."))
            community = community or grid.community
        community = community or self.implied_community()
        if community is None and not self.errors:
            self.add_error("community", _("Give the community, a grid or a dwelling."))
        self.placed: dict[str, Any] = {"community": community, "grid": grid, "micro_grid": micro}
        return data

    def implied_community(self) -> Any:
        """The community another field gives (a household, a building) when none was picked."""
        return None


class ResidentCreateForm(PlacedEntryForm):
    """A resident as the import takes one. The numbers typed stay in the form when something else
    is wrong (they are the worker's own typing, on a page that is never cached); stored numbers are
    never shown, as on the edit form."""

    name = forms.CharField(label=_("Name"), max_length=64)
    id_type = forms.ChoiceField(label=_("Document type"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False)
    gender = forms.ChoiceField(label=_("Sex"), required=False)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=_date_input(),
        help_text=_("Taken from a resident ID number when left empty."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    ethnicity = CodeChoiceField(CodeTable.ETHNICITY, label=_("Ethnicity"), required=False)
    political_status = CodeChoiceField(
        CodeTable.POLITICAL_STATUS, label=_("Political status"), required=False
    )
    education = CodeChoiceField(CodeTable.EDUCATION, label=_("Education"), required=False)
    marital_status = CodeChoiceField(CodeTable.MARITAL_STATUS, label=_("Marital status"), required=False)
    residence_type = forms.ChoiceField(label=_("Residence type"), choices=ResidenceType.choices)
    community = entry_place("community", _("Community"))
    grid = entry_place("grid", _("Grid"))
    micro_grid = entry_place("micro_grid", _("Micro-grid"))
    household_number = forms.CharField(
        label=_("Household number"),
        required=False,
        max_length=32,
        help_text=_("An existing household in your area; the resident lives in its dwelling."),
    )
    relation_to_head = CodeChoiceField(CodeTable.RELATIONSHIP, label=_("Relation to head"), required=False)
    hukou_address = forms.CharField(label=_("Registered (hukou) address"), required=False, max_length=200)
    workplace = forms.CharField(label=_("Workplace"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    FIELDS = RESIDENT_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "gender", _code_choices(CodeTable.SEX))
        for name in ("ethnicity", "political_status", "education", "marital_status", "relation_to_head"):
            field = self.fields[name]
            assert isinstance(field, CodeChoiceField)
            _set_choices(self, name, _code_choices(field.table))

    def clean_household_number(self) -> str:
        number: str = self.cleaned_data.get("household_number") or ""
        self.household = None
        if number:
            self.household = selectors.households_visible_to(self.user).filter(number=number).first()
            if self.household is None:
                raise forms.ValidationError(_("No household with this number in your area."))
        return number

    def implied_community(self) -> Any:
        household = getattr(self, "household", None)
        return household.community if household is not None else None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        household, community = getattr(self, "household", None), self.placed.get("community")
        if household is not None and community is not None and household.community_id != community.pk:
            self.add_error("household_number", _("This place is not in the community."))
        return data

    def resident_fields(self) -> dict[str, Any]:
        """The fields as `register_resident` takes them (text, as typed; a date as 2023-01-05)."""
        out: dict[str, Any] = {}
        for name in self.FIELDS:
            value = self.cleaned_data.get(name)
            if name == "birth_date":
                value = value.isoformat() if value else ""
            out[name] = value or ""
        return out


class HouseholdCreateForm(PlacedEntryForm):
    PLACES = ("community",)

    community = entry_place("community", _("Community"), required=True)
    number = forms.CharField(
        label=_("Household number"),
        max_length=32,
        help_text=_("Unique within the community, e.g. the hukou booklet number."),
    )
    household_type = forms.ChoiceField(
        label=_("Household type"), choices=HouseholdType.choices, initial=HouseholdType.REGISTERED
    )
    building_code = forms.CharField(
        label=_("Building code"),
        required=False,
        max_length=17,
        help_text=_("Optional: the building, unit and room the household lives in."),
    )
    unit = forms.CharField(label=_("Unit"), required=False, max_length=8)
    room = forms.CharField(label=_("Room"), required=False, max_length=16)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.building = None
        code = data.get("building_code")
        if code:
            self.building = selectors.buildings_visible_to(self.user).filter(code=code).first()
            if self.building is None:
                self.add_error("building_code", _("No building with this code in your area."))
            elif self.placed["community"] is not None and (
                self.building.community_id != self.placed["community"].pk
            ):
                self.add_error("building_code", _("This place is not in the community."))
            elif not data.get("room"):
                self.add_error("room", _("Give the room of the household's dwelling."))
        return data


class BuildingCreateForm(PlacedEntryForm):
    name = forms.CharField(
        label=pgettext_lazy("organisation", "Name"), max_length=64, help_text=_("e.g. 溪南小区3幢")
    )
    estate = forms.CharField(label=_("Residential estate"), required=False, max_length=64)
    address = forms.CharField(label=_("Standard address"), max_length=200)
    community = entry_place("community", _("Community"))
    grid = entry_place("grid", _("Grid"))
    micro_grid = entry_place("micro_grid", _("Micro-grid"))
    floors = forms.IntegerField(label=_("Floors"), min_value=1, max_value=200, initial=1)
    units = forms.IntegerField(label=_("Stairwell units"), min_value=1, max_value=99, initial=1)
    built_year = forms.IntegerField(label=_("Year built"), min_value=1800, max_value=2100, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False
    )

    EXTRA = ("estate", "floors", "units", "built_year", "latitude", "longitude")


class OrganizationCreateForm(PlacedEntryForm):
    PLACES = ("community", "grid")

    name = forms.CharField(label=pgettext_lazy("organisation", "Name"), max_length=128)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices, initial=OrgKind.COMPANY)
    credit_code = forms.CharField(label=_("Unified social credit code"), required=False, max_length=18)
    community = entry_place("community", _("Community"))
    grid = entry_place("grid", _("Grid"))
    building_code = forms.CharField(
        label=_("Building code"),
        required=False,
        max_length=17,
        help_text=_("Optional: the organisation then takes the building's place and address."),
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    legal_representative = forms.CharField(label=_("Legal representative"), required=False, max_length=64)
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=64)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=32)
    employees = forms.IntegerField(label=_("Employees"), min_value=0, max_value=1_000_000, required=False)

    EXTRA = (
        "kind",
        "credit_code",
        "address",
        "legal_representative",
        "contact_name",
        "contact_phone",
        "employees",
    )

    def clean_building_code(self) -> str:
        code: str = self.cleaned_data.get("building_code") or ""
        self.building = None
        if code:
            self.building = selectors.buildings_visible_to(self.user).filter(code=code).first()
            if self.building is None:
                raise forms.ValidationError(_("No building with this code in your area."))
        return code

    def implied_community(self) -> Any:
        # A building alone places the organisation: its community is not asked for again.
        building = getattr(self, "building", None)
        return building.community if building is not None else None
