"""API shapes of the registry. Reads are flat and masked; writes only parse and resolve
references through the caller's scope, then hand the raw fields to `services`, which validate
them as the import and the pages do (one set of rules, one set of messages)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shequ.core import codes
from shequ.core import serializers as core_fields
from shequ.core.errors import RuleError
from shequ.core.inputs import CharField, ModelSerializer
from shequ.core.models import CodeTable
from shequ.core.serializers import ChoiceLabelField, CodeRelatedField, CodeTableField, EnumTextField
from shequ.places.models import Area, AreaLevel, Grid, GridKind, MicroGrid

from . import selectors
from .models import (
    Building,
    Dwelling,
    DwellingUse,
    Household,
    HouseholdStatus,
    HouseholdType,
    IdType,
    LifeEvent,
    LifeEventKind,
    Organization,
    OrgKind,
    ResidenceType,
    Resident,
    ResidentStatus,
    ResidentTag,
    RevealPurpose,
    TagType,
)
from .validation import GENDER_WORDS, RESIDENT_FIELDS

# --- building blocks --------------------------------------------------------------------------


class PlaceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = CharField()
    name = CharField()


class HouseholdRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = CharField()


class DwellingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = CharField()  # type: ignore[assignment]
    building_id = serializers.IntegerField()
    address = CharField(source="building.address")


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = CharField()


def _visible(field: serializers.Field, queryset: Any) -> None:
    field.queryset = queryset  # type: ignore[attr-defined]


class ScopedWriteSerializer(serializers.Serializer):
    """Reference fields resolve only through the caller's selectors: what they cannot see does
    not exist for them (a 400 naming the field, never a hint that it exists elsewhere)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        lookups = {
            "community": lambda: selectors.areas_visible_to(user).filter(level=AreaLevel.COMMUNITY),
            "grid": lambda: selectors.grids_visible_to(user),
            "micro_grid": lambda: selectors.micro_grids_visible_to(user),
            "household": lambda: selectors.households_visible_to(user),
            "building": lambda: selectors.buildings_visible_to(user),
            "dwelling": lambda: selectors.dwellings_visible_to(user).select_related("building__grid"),
            "tag": lambda: selectors.tag_types_visible_to(user),
        }
        for name, make in lookups.items():
            field = self.fields.get(name)
            if field is not None and not field.read_only:
                _visible(field, make())


def community_field(**kwargs: Any) -> CodeRelatedField:
    return CodeRelatedField(
        slug_field="code",
        queryset=Area.objects.none(),
        required=False,
        pattern=core_fields.AREA_CODE,
        message=_("Enter a 12-digit division code."),
        help_text=_("12-digit division code of the community."),
        **kwargs,
    )


def grid_field() -> CodeRelatedField:
    return CodeRelatedField(
        slug_field="code",
        queryset=Grid.objects.none(),
        required=False,
        allow_null=True,
        pattern=core_fields.GRID_CODE,
        message=_("Enter a 15-digit grid code."),
        help_text=_("15-digit grid code."),
    )


def micro_grid_field() -> CodeRelatedField:
    return CodeRelatedField(
        slug_field="code",
        queryset=MicroGrid.objects.none(),
        required=False,
        allow_null=True,
        pattern=core_fields.MICRO_GRID_CODE,
        message=_("Enter an 18-digit micro-grid code."),
        help_text=_("18-digit micro-grid code."),
    )


def _resolve_place(attrs: dict[str, Any]) -> dict[str, Any]:
    """Fill the community (and a resident's dwelling) from the finer places given, and refuse
    places that disagree with each other."""
    errors: dict[str, list[Any]] = {}
    micro, grid = attrs.get("micro_grid"), attrs.get("grid")
    household = attrs.get("household")
    if household is not None and attrs.get("dwelling") is None and household.dwelling_id:
        attrs["dwelling"] = household.dwelling
    dwelling = attrs.get("dwelling")
    if micro is not None:
        if grid is not None and micro.grid_id != grid.pk:
            errors["micro_grid"] = [_("The micro-grid is not in this grid.")]
        grid = attrs["grid"] = grid or micro.grid
    community = attrs.get("community")
    sources = (
        ("grid", grid),
        ("dwelling", dwelling.building if dwelling else None),
        ("household", household),
    )
    for key, source in sources:
        if source is None:
            continue
        if community is None:
            community = source.community
        elif source.community_id != community.pk:
            errors.setdefault(key, []).append(_("This place is not in the community."))
    if community is None:
        errors["community"] = [_("Give the community, a grid or a dwelling.")]
    if errors:
        raise serializers.ValidationError(errors)
    attrs["community"] = community
    return attrs


# --- places -----------------------------------------------------------------------------------


class AreaSerializer(ModelSerializer):
    level = ChoiceLabelField(AreaLevel)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # type: ignore[assignment,var-annotated]

    class Meta:
        model = Area
        fields = [
            "id",
            "code",
            "name",
            "level",
            "parent",
            "path",
            "full_name",
            "is_urban",
            "households_planned",
            "service_space_m2",
        ]


class AreaDetailSerializer(AreaSerializer):
    class Meta(AreaSerializer.Meta):
        fields = [*AreaSerializer.Meta.fields, "boundary"]


class GridSerializer(ModelSerializer):
    community = PlaceRefSerializer(read_only=True)
    kind = ChoiceLabelField(GridKind)

    class Meta:
        model = Grid
        fields = [
            "id",
            "code",
            "name",
            "community",
            "path",
            "kind",
            "households_planned",
            "responsible",
            "start_date",
            "end_date",
        ]


class GridDetailSerializer(GridSerializer):
    class Meta(GridSerializer.Meta):
        fields = [*GridSerializer.Meta.fields, "boundary"]


_POSITION = {
    "type": "array",
    "items": {"type": "number", "minimum": -180, "maximum": 180},
    "minItems": 2,
    "maxItems": 2,
    "description": "Longitude and latitude (WGS 84).",
}
_POLYGON_RINGS = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "array", "minItems": 4, "items": _POSITION},
}
_POLYGON = {
    "type": "object",
    "properties": {"type": {"type": "string", "enum": ["Polygon"]}, "coordinates": _POLYGON_RINGS},
    "required": ["type", "coordinates"],
}
_MULTI_POLYGON = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["MultiPolygon"]},
        "coordinates": {"type": "array", "minItems": 1, "items": _POLYGON_RINGS},
    },
    "required": ["type", "coordinates"],
}


class BoundaryField(core_fields.DescribedField, serializers.JSONField):
    """A GeoJSON Polygon or MultiPolygon, or a Feature holding one. What the schema cannot say:
    a ring must not cross itself, a latitude lies within ±90, and the grid must lie inside its
    community and not overlap its neighbours (`places.geo.check_boundary`)."""

    def request_schema(self) -> dict[str, Any]:
        feature = {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "geometry": {"oneOf": [_POLYGON, _MULTI_POLYGON]},
            },
            "required": ["type", "geometry"],
        }
        return {"oneOf": [_POLYGON, _MULTI_POLYGON, feature]}


class GridBoundarySerializer(serializers.Serializer):
    partial_on_patch = False  # the PATCH body is the new boundary: `boundary` is required

    boundary = BoundaryField(
        allow_null=True, help_text=_("A GeoJSON Polygon or MultiPolygon (or a Feature holding one), or null.")
    )
    reason = CharField(required=False, allow_blank=True, max_length=200, default="")

    def validate_boundary(self, value: Any) -> Any:
        if isinstance(value, dict) and value.get("type") == "Feature":
            return value.get("geometry")  # store the geometry: features are built on the way out
        return value


class GeoFeatureSerializer(serializers.Serializer):
    type = CharField()
    id = CharField()
    geometry = serializers.JSONField()
    properties = serializers.DictField()


class FeatureCollectionSerializer(serializers.Serializer):
    type = CharField()
    features = GeoFeatureSerializer(many=True)


class MicroGridSerializer(ModelSerializer):
    grid = PlaceRefSerializer(read_only=True)

    class Meta:
        model = MicroGrid
        fields = ["id", "code", "name", "grid", "path", "leader_name"]


class MicroGridDetailSerializer(MicroGridSerializer):
    class Meta(MicroGridSerializer.Meta):
        fields = [*MicroGridSerializer.Meta.fields, "boundary"]


class BuildingSerializer(ModelSerializer):
    community = PlaceRefSerializer(read_only=True)
    grid = PlaceRefSerializer(read_only=True, allow_null=True)
    micro_grid = PlaceRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Building
        fields = [
            "id",
            "code",
            "name",
            "estate",
            "address",
            "community",
            "grid",
            "micro_grid",
            "latitude",
            "longitude",
            "floors",
            "units",
            "built_year",
        ]


class BuildingCreateSerializer(ScopedWriteSerializer):
    community = community_field()
    grid = grid_field()
    micro_grid = micro_grid_field()
    name = CharField(max_length=64)
    address = CharField(max_length=200)
    estate = CharField(max_length=64, required=False, allow_blank=True, default="")
    floors = serializers.IntegerField(min_value=1, max_value=200, required=False, default=1)
    units = serializers.IntegerField(min_value=1, max_value=99, required=False, default=1)
    built_year = serializers.IntegerField(min_value=1800, max_value=2100, required=False, allow_null=True)
    latitude = core_fields.PatternDecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
        allow_null=True,
        pattern=core_fields.latitude_pattern(),
    )
    longitude = core_fields.PatternDecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        allow_null=True,
        pattern=core_fields.longitude_pattern(),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _resolve_place(attrs)


class OrganizationSerializer(ModelSerializer):
    kind = ChoiceLabelField(OrgKind)
    contact_phone = serializers.CharField(
        source="contact_phone_masked",
        read_only=True,
        help_text=_("Masked; POST .../reveal/ shows it in full."),
    )
    community = PlaceRefSerializer(read_only=True)
    grid = PlaceRefSerializer(read_only=True, allow_null=True)
    building = PlaceRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "kind",
            "credit_code",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "address",
            "community",
            "grid",
            "building",
            "employees",
            "active",
        ]


class OrganizationCreateSerializer(ScopedWriteSerializer):
    community = community_field()
    grid = grid_field()
    building = CodeRelatedField(
        slug_field="code",
        queryset=Building.objects.none(),
        required=False,
        allow_null=True,
        pattern=core_fields.BUILDING_CODE,
        message=_("Enter a 17-digit building code."),
        help_text=_("17-digit building code; the organisation takes the building's place."),
    )
    name = CharField(max_length=128)
    kind = serializers.ChoiceField(choices=OrgKind.choices, required=False, default=OrgKind.COMPANY)
    credit_code = CharField(max_length=18, required=False, allow_blank=True, default="")
    legal_representative = CharField(max_length=64, required=False, allow_blank=True, default="")
    contact_name = CharField(max_length=64, required=False, allow_blank=True, default="")
    contact_phone = CharField(max_length=32, required=False, allow_blank=True, default="")
    address = CharField(max_length=200, required=False, allow_blank=True, default="")
    employees = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        building = attrs.get("building")
        if building is not None and attrs.get("grid") is None and building.grid_id:
            attrs["grid"] = building.grid
        if building is not None and attrs.get("community") is None:
            attrs["community"] = building.community
        return _resolve_place(attrs)


class TagTypeSerializer(ModelSerializer):
    class Meta:
        model = TagType
        fields = ["code", "name", "group", "restricted", "visit_interval_days"]


# --- housing and households -------------------------------------------------------------------


class DwellingSerializer(ModelSerializer):
    building = PlaceRefSerializer(read_only=True)
    address = CharField(source="building.address", read_only=True)
    use = ChoiceLabelField(DwellingUse)

    class Meta:
        model = Dwelling
        fields = ["id", "building", "address", "unit", "floor", "room", "label", "use", "floor_area_m2"]


class HouseholdSerializer(ModelSerializer):
    community = PlaceRefSerializer(read_only=True)
    dwelling = DwellingRefSerializer(read_only=True, allow_null=True)
    household_type = ChoiceLabelField(HouseholdType)
    status = ChoiceLabelField(HouseholdStatus)
    head = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Household
        fields = ["id", "number", "community", "dwelling", "household_type", "status", "head"]


class HouseholdMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = CharField()
    relation_to_head = CodeTableField(CodeTable.RELATIONSHIP)
    status = ChoiceLabelField(ResidentStatus)


class HouseholdDetailSerializer(HouseholdSerializer):
    members = serializers.SerializerMethodField()

    class Meta(HouseholdSerializer.Meta):
        fields = [*HouseholdSerializer.Meta.fields, "members"]

    @extend_schema_field(HouseholdMemberSerializer(many=True))
    def get_members(self, household: Household) -> list[dict[str, Any]]:
        """Only the members the caller may see (all of them, within one's scope)."""
        user = self.context["request"].user
        members = selectors.residents_visible_to(user, with_tags=False).filter(household=household)
        return HouseholdMemberSerializer(members, many=True).data  # type: ignore[return-value]


class HouseholdCreateSerializer(ScopedWriteSerializer):
    community = community_field()
    number = CharField(max_length=32)
    dwelling = serializers.PrimaryKeyRelatedField(
        queryset=Dwelling.objects.none(), required=False, allow_null=True
    )
    household_type = serializers.ChoiceField(
        choices=HouseholdType.choices, required=False, default=HouseholdType.REGISTERED
    )

    def validate_number(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("This field may not be blank."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _resolve_place(attrs)


# --- residents --------------------------------------------------------------------------------


class ResidentTagSerializer(ModelSerializer):
    code = CharField(source="tag.code", read_only=True)
    name = CharField(source="tag.name", read_only=True)
    group = CharField(source="tag.group", read_only=True)
    restricted = serializers.BooleanField(source="tag.restricted", read_only=True)

    class Meta:
        model = ResidentTag
        fields = ["code", "name", "group", "restricted", "since", "note"]


class ResidentSerializer(ModelSerializer):
    """A resident as lists and details show them: ID and phone numbers masked (the masked
    columns, never decrypted here), tags limited to those the caller may see."""

    id_type = ChoiceLabelField(IdType)
    id_number = CharField(
        source="id_number_masked", read_only=True, help_text=_("Masked; POST .../reveal/ shows it in full.")
    )
    phone = CharField(
        source="phone_masked", read_only=True, help_text=_("Masked; POST .../reveal/ shows it in full.")
    )
    gender = CodeTableField(CodeTable.SEX)
    age = serializers.IntegerField(read_only=True, allow_null=True)
    ethnicity = CodeTableField(CodeTable.ETHNICITY)
    political_status = CodeTableField(CodeTable.POLITICAL_STATUS)
    education = CodeTableField(CodeTable.EDUCATION)
    marital_status = CodeTableField(CodeTable.MARITAL_STATUS)
    relation_to_head = CodeTableField(CodeTable.RELATIONSHIP)
    residence_type = ChoiceLabelField(ResidenceType)
    status = ChoiceLabelField(ResidentStatus)
    community = PlaceRefSerializer(read_only=True)
    grid = PlaceRefSerializer(read_only=True, allow_null=True)
    micro_grid = PlaceRefSerializer(read_only=True, allow_null=True)
    household = HouseholdRefSerializer(read_only=True, allow_null=True)
    dwelling = DwellingRefSerializer(read_only=True, allow_null=True)
    tags = ResidentTagSerializer(source="visible_tags", many=True, read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "name",
            "gender",
            "birth_date",
            "age",
            "id_type",
            "id_number",
            "phone",
            "ethnicity",
            "political_status",
            "education",
            "marital_status",
            "residence_type",
            "status",
            "community",
            "grid",
            "micro_grid",
            "household",
            "relation_to_head",
            "dwelling",
            "hukou_address",
            "workplace",
            "notes",
            "tags",
            "created_at",
            "updated_at",
        ]


def _raw(max_length: int = 64, **kwargs: Any) -> CharField:
    """A resident field as typed: text (numbers become text); `services` does the real checks."""
    return CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


def _enum(values: Any, max_length: int = 32, **kwargs: Any) -> EnumTextField:
    """A field the services match against a list: the schema lists its values; the services
    also take the values' names (户籍人口 for `registered`), as the import does."""
    return EnumTextField(values=values, max_length=max_length, required=False, allow_blank=True, **kwargs)


def _coded(table: CodeTable) -> EnumTextField:
    """A national code: its code or its name (`01` or `汉族`), from the code table in use."""

    def values() -> list[str]:
        try:
            pairs = codes.choices(table)
        except DatabaseError:  # a schema built without a database (manage.py spectacular)
            pairs = codes.load_file_rows(table)
        return [value for pair in pairs for value in pair]

    return _enum(values)


class ResidentFieldsSerializer(ScopedWriteSerializer):
    """The resident's own fields, as the import takes them: codes or names for coded fields
    (`01` or `汉族`), dates as `2023-01-05`, 男/女 or 1/2 for sex."""

    RESIDENT_FIELDS = RESIDENT_FIELDS

    name = CharField(max_length=64, required=False)
    id_type = _enum(
        lambda: IdType.values,
        help_text=_("resident_id, passport, ...; the API also takes the document's name."),
    )
    id_number = _raw(32, help_text=_("For a resident identity card, its 18 characters (GB 11643)."))
    gender = _enum(lambda: list(GENDER_WORDS), max_length=8, help_text=_("1 or 男, 2 or 女."))
    birth_date = core_fields.DateTextField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=_("2023-01-05; taken from the ID number when it has one."),
    )
    phone = core_fields.PatternTextField(
        pattern=core_fields.PHONE,
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=_("11-digit mobile number or a landline such as 0579-87654321."),
    )
    ethnicity = _coded(CodeTable.ETHNICITY)
    political_status = _coded(CodeTable.POLITICAL_STATUS)
    education = _coded(CodeTable.EDUCATION)
    marital_status = _coded(CodeTable.MARITAL_STATUS)
    relation_to_head = _coded(CodeTable.RELATIONSHIP)
    residence_type = _enum(lambda: ResidenceType.values)
    hukou_address = _raw(200)
    workplace = _raw(200)
    notes = _raw(2000, multiline=True)
    reason = CharField(
        multiline=True,
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Why the record changes; kept in its history."),
    )

    def resident_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.validated_data.items() if k in self.RESIDENT_FIELDS}


class ResidentCreateSerializer(ResidentFieldsSerializer):
    name = CharField(max_length=64)
    community = community_field()
    grid = grid_field()
    micro_grid = micro_grid_field()
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(), required=False, allow_null=True
    )
    dwelling = serializers.PrimaryKeyRelatedField(
        queryset=Dwelling.objects.none(), required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _resolve_place(attrs)

    def placement(self) -> dict[str, Any]:
        return {
            k: self.validated_data.get(k)
            for k in ("community", "grid", "micro_grid", "household", "dwelling")
        }


class RevealRequestSerializer(serializers.Serializer):
    """Why the full numbers are needed: a purpose from the list and a note (docs/security.md, 5)."""

    purpose = serializers.ChoiceField(
        choices=RevealPurpose.choices, help_text=_("Why the full numbers are needed; kept in the audit log.")
    )
    note = CharField(
        multiline=True,
        min_length=settings.SHEQU_REVEAL_NOTE_MIN_LENGTH,
        max_length=500,
        help_text=_("What the numbers are for, in a few words; kept in the audit log."),
    )

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            missing = [name for name in ("purpose", "note") if not _given(data, name)]
            if not missing or not isinstance(exc.detail, dict):
                raise
            # A client written for the old `{"reason": ...}` body: say what it must send now.
            message = _(
                "Missing fields: %(fields)s. A reveal needs a purpose (purpose) from the list "
                "and a note (note); a reason alone is no longer accepted."
            ) % {"fields": "、".join(missing)}
            raise RuleError(
                "purpose_required", message, fields={k: list(v) for k, v in exc.detail.items()}
            ) from exc


def _given(data: Any, name: str) -> bool:
    return hasattr(data, "get") and data.get(name) not in (None, "")


class RevealResponseSerializer(serializers.Serializer):
    id_number = CharField()
    phone = CharField()
    expires_in = serializers.IntegerField(help_text=_("Seconds the numbers may stay on screen."))


class ContactRevealResponseSerializer(serializers.Serializer):
    contact_phone = CharField()
    expires_in = serializers.IntegerField(help_text=_("Seconds the numbers may stay on screen."))


class LifeEventSerializer(ModelSerializer):
    kind = ChoiceLabelField(LifeEventKind)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)  # type: ignore[var-annotated]

    class Meta:
        model = LifeEvent
        fields = ["id", "kind", "date", "detail", "note", "recorded_by", "recorded_at"]


class LifeEventCreateSerializer(ScopedWriteSerializer):
    kind = serializers.ChoiceField(choices=LifeEventKind.choices)
    date = serializers.DateField()
    note = CharField(multiline=True, max_length=2000, required=False, allow_blank=True, default="")
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(), required=False, allow_null=True
    )
    dwelling = serializers.PrimaryKeyRelatedField(
        queryset=Dwelling.objects.none(), required=False, allow_null=True
    )


class TagAddSerializer(ScopedWriteSerializer):
    tag = serializers.SlugRelatedField(slug_field="code", queryset=TagType.objects.none())
    since = serializers.DateField(required=False, allow_null=True, default=None)
    note = CharField(max_length=200, required=False, allow_blank=True, default="")
    disability_category = CharField(max_length=1, required=False, allow_blank=True, default="")
    disability_grade = CharField(max_length=1, required=False, allow_blank=True, default="")


class ResidentFieldsSchema(OpenApiSerializerExtension):
    """The one cross-field rule of a resident's fields that a schema can state: with a resident
    identity card (`id_type` absent, empty or `resident_id`) the number has the GB 11643 form,
    and a new resident must have one; other documents' numbers are free text."""

    target_class = ResidentFieldsSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction != "request":
            return schema
        identity_card: dict[str, Any] = {
            "properties": {
                "id_type": {"enum": ["", IdType.RESIDENT_ID]},
                "id_number": {"pattern": core_fields.ID_NUMBER},
            }
        }
        if isinstance(self.target, ResidentCreateSerializer) and not self.target.partial:
            identity_card["required"] = ["id_number"]
        other = [value for value in IdType.values if value != IdType.RESIDENT_ID]
        schema["anyOf"] = [
            identity_card,
            {"properties": {"id_type": {"enum": other}}, "required": ["id_type"]},
        ]
        return schema
