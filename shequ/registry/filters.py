"""List filters of the registry API. A malformed value is a 400 naming the filter, never an
unfiltered list: `?grid=12` must not quietly return every resident in scope."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from shequ.core import serializers as core_fields
from shequ.places.models import Area, AreaLevel, Grid, GridKind, MicroGrid

from . import selectors
from .models import (
    Building,
    Dwelling,
    DwellingUse,
    Household,
    HouseholdStatus,
    HouseholdType,
    Organization,
    OrgKind,
    ResidenceType,
    Resident,
    ResidentStatus,
    TagType,
)

AREA_CODE = RegexValidator(core_fields.AREA_CODE, _("Enter a 12-digit division code."))
GRID_CODE = RegexValidator(core_fields.GRID_CODE, _("Enter a 15-digit grid code."))
MICRO_GRID_CODE = RegexValidator(core_fields.MICRO_GRID_CODE, _("Enter an 18-digit micro-grid code."))


def code_filter(field_name: str, validator: RegexValidator, help_text: Any) -> df.CharFilter:
    return df.CharFilter(field_name=field_name, validators=[validator], help_text=help_text)


def community_filter(field_name: str = "community__code") -> df.CharFilter:
    return code_filter(field_name, AREA_CODE, _("12-digit division code of a community."))


def street_filter(field_name: str = "community__parent__code") -> df.CharFilter:
    return code_filter(field_name, AREA_CODE, _("12-digit division code of a street or town."))


def grid_filter(field_name: str = "grid__code") -> df.CharFilter:
    return code_filter(field_name, GRID_CODE, _("15-digit grid code."))


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(df.Filter):
    """A row id: a whole number that fits the database, or a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


def search_filter(method: str = "filter_search") -> df.CharFilter:
    return df.CharFilter(method=method, max_length=100, help_text=_("Name, address or code."))


class PlaceSearchMixin:
    search_fields: tuple[str, ...] = ("name", "code")

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(query)


class AreaFilter(PlaceSearchMixin, df.FilterSet):
    search = search_filter()
    level = df.ChoiceFilter(choices=AreaLevel.choices)
    parent = code_filter("parent__code", AREA_CODE, _("12-digit division code of the parent area."))
    search_fields = ("name", "full_name", "code")

    class Meta:
        model = Area
        fields: list[str] = []


class GridFilter(PlaceSearchMixin, df.FilterSet):
    search = search_filter()
    community = community_filter()
    street = street_filter()
    kind = df.ChoiceFilter(choices=GridKind.choices)

    class Meta:
        model = Grid
        fields: list[str] = []


class MicroGridFilter(PlaceSearchMixin, df.FilterSet):
    search = search_filter()
    grid = grid_filter()
    community = community_filter("grid__community__code")
    search_fields = ("name", "code", "leader_name")

    class Meta:
        model = MicroGrid
        fields: list[str] = []


class BuildingFilter(PlaceSearchMixin, df.FilterSet):
    search = search_filter()
    community = community_filter()
    street = street_filter()
    grid = grid_filter()
    micro_grid = code_filter("micro_grid__code", MICRO_GRID_CODE, _("18-digit micro-grid code."))
    search_fields = ("name", "code", "estate", "address")

    class Meta:
        model = Building
        fields: list[str] = []


class DwellingFilter(PlaceSearchMixin, df.FilterSet):
    search = search_filter()
    building = IdFilter(field_name="building_id")
    community = community_filter("building__community__code")
    grid = grid_filter("building__grid__code")
    use = df.ChoiceFilter(choices=DwellingUse.choices)
    search_fields = ("room", "building__address", "building__estate")

    class Meta:
        model = Dwelling
        fields: list[str] = []


class HouseholdFilter(PlaceSearchMixin, df.FilterSet):
    search = search_filter()
    community = community_filter()
    street = street_filter()
    grid = grid_filter("dwelling__building__grid__code")
    dwelling = IdFilter(field_name="dwelling_id")
    status = df.ChoiceFilter(choices=HouseholdStatus.choices)
    household_type = df.ChoiceFilter(choices=HouseholdType.choices)
    search_fields = ("number", "dwelling__building__address", "dwelling__building__estate")

    class Meta:
        model = Household
        fields: list[str] = []


class OrganizationFilter(PlaceSearchMixin, df.FilterSet):
    search = search_filter()
    community = community_filter()
    street = street_filter()
    grid = grid_filter()
    kind = df.ChoiceFilter(choices=OrgKind.choices)
    active = df.BooleanFilter()
    search_fields = ("name", "credit_code", "address")

    class Meta:
        model = Organization
        fields: list[str] = []


class TagTypeFilter(df.FilterSet):
    group = df.CharFilter(max_length=32)
    restricted = df.BooleanFilter()

    class Meta:
        model = TagType
        fields: list[str] = []


def _visible_tag_types(request: Any) -> QuerySet[TagType]:
    return selectors.tag_types_visible_to(getattr(request, "user", None))


class ResidentFilter(df.FilterSet):
    search = df.CharFilter(
        method="filter_search",
        max_length=100,
        help_text=_(
            "Name, pinyin or initials (zw finds 张伟), ID number or phone number (exact), "
            "last four digits, or part of an address."
        ),
    )
    community = community_filter()
    street = street_filter()
    grid = grid_filter()
    micro_grid = code_filter("micro_grid__code", MICRO_GRID_CODE, _("18-digit micro-grid code."))
    # Only tags the caller may see can be asked for: filtering on a restricted tag would show who has it.
    tag = df.ModelChoiceFilter(
        queryset=_visible_tag_types,
        to_field_name="code",
        method="filter_tag",
        help_text=_("Tag code, such as elderly_alone."),
    )
    age_band = df.ChoiceFilter(
        choices=[(band, band) for band in selectors.AGE_BANDS], method="filter_age_band"
    )
    residence_type = df.ChoiceFilter(choices=ResidenceType.choices)
    status = df.ChoiceFilter(choices=ResidentStatus.choices)
    household = IdFilter(field_name="household_id")
    dwelling = IdFilter(field_name="dwelling_id")

    class Meta:
        model = Resident
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Resident], name: str, value: str) -> QuerySet[Resident]:
        return selectors.search_residents(queryset, value)

    def filter_tag(self, queryset: QuerySet[Resident], name: str, value: TagType) -> QuerySet[Resident]:
        links = selectors.resident_tags_visible_to(self.request.user).filter(tag=value)
        return queryset.filter(pk__in=links.values("resident_id"))

    def filter_age_band(self, queryset: QuerySet[Resident], name: str, value: str) -> QuerySet[Resident]:
        return selectors.filter_by_age_band(queryset, value)
