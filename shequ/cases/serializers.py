"""API shapes of cases. Reads are flat, with the reporter's phone only ever masked; writes only
parse and resolve references through the caller's scope, then hand the fields to `services`,
which hold every rule and every message (one set for the pages, the portal and the API)."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any, cast

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shequ.accounts.roles import Perm
from shequ.accounts.scope import has_perm_anywhere
from shequ.core.inputs import CharField, ModelSerializer
from shequ.core.openapi import VISIBLE
from shequ.core.serializers import (
    CATEGORY_CODE,
    PHONE,
    ChoiceLabelField,
    CodeRelatedField,
    DescribedField,
    PatternDecimalField,
    PatternTextField,
    latitude_pattern,
    longitude_pattern,
)
from shequ.places.models import Area, AreaLevel
from shequ.registry import selectors as registry
from shequ.registry.models import Building
from shequ.registry.serializers import PlaceRefSerializer, community_field, grid_field

from . import clock, selectors
from .models import (
    AttachmentKind,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseStatus,
    CaseWarning,
    EventAction,
    HandlerUnit,
    Level,
    Light,
    Satisfaction,
    Source,
    Stage,
    UnitKind,
    Urgency,
    WarningKind,
)
from .services.reporting import STAFF_SOURCES

# --- building blocks ----------------------------------------------------------------------------

MAX_ID = 2**63 - 1
TEXT_LIMIT = 2000  # common.required_text / optional_text
# A description of at least 5 characters once trimmed (reporting.report_case).
DESCRIPTION = r"\S[\s\S]{3,}\S"


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A row id that must be a whole number the database can hold before it is looked up, so a
    garbage or huge id is a 400 naming the field, never a database error."""

    def to_internal_value(self, data: Any) -> Any:
        text = str(data).strip()
        if isinstance(data, bool) or not text.isdigit() or not text.isascii():
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= int(text) <= MAX_ID:
            self.fail("does_not_exist", pk_value=text)
        return super().to_internal_value(int(text))


class ServiceTextField(DescribedField, CharField):
    """Free text whose length and whether it may be empty are the service's rules, answered with
    the service's codes and messages (`too_long`, `required`); the schema states the same limit
    and form (`limit`, `pattern`)."""

    def __init__(self, *, limit: int = TEXT_LIMIT, pattern: str | None = None, **kwargs: Any) -> None:
        self.limit = limit
        self.pattern = pattern
        super().__init__(**kwargs)

    def request_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "maxLength": self.limit}
        if self.pattern is not None:
            schema["pattern"] = self.pattern
        return schema


def text_field(*, multiline: bool = False, **kwargs: Any) -> CharField:
    """Free text checked by the service (`ServiceTextField`); a serializer lists the fields its
    service requires in `schema_required`."""
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    kwargs.setdefault("default", "")
    kwargs.setdefault("trim_whitespace", False)
    return ServiceTextField(multiline=multiline, **kwargs)


def required_text() -> CharField:
    """A note or reason the service requires: at least one character that is not white space."""
    return text_field(multiline=True, pattern=VISIBLE)


def category_field(**kwargs: Any) -> CodeRelatedField:
    kwargs.setdefault("queryset", CaseCategory.objects.none())
    return CodeRelatedField(
        slug_field="code",
        pattern=CATEGORY_CODE,
        message=_("Enter a category code (lower-case letters, digits, _ . -)."),
        **kwargs,
    )


@functools.cache
def without_files(serializer_class: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The same body as JSON, which cannot carry files: documented without `photos`."""
    name = serializer_class.__name__.removesuffix("Serializer") + "JsonSerializer"
    return type(name, (serializer_class,), {"photos": None, "__module__": serializer_class.__module__})


def photos_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text=_("Photos (JPEG, PNG or WebP) as multipart form data, the field repeated per file."),
    )


def _user(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = CharField()
    name = CharField()


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = CharField()


class BuildingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = CharField()
    address = CharField()


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = CharField()


def _now(serializer: serializers.Field) -> dt.datetime:
    """One clock reading per response, so every row of a list is judged at the same moment."""
    context = cast(dict[str, Any], serializer.context)
    if "now" not in context:
        context["now"] = timezone.now()
    return context["now"]


# --- cases: reads -------------------------------------------------------------------------------


class CaseSerializer(ModelSerializer):
    """A case as lists show it. `light` is worked out at the moment of the request from the
    stage's 80 % point and deadline, so it is never staler than the periodic job."""

    category = CategoryRefSerializer()
    urgency = ChoiceLabelField(Urgency)
    source = ChoiceLabelField(Source)  # type: ignore[assignment]  # a field, not Field.source
    status = ChoiceLabelField(CaseStatus)
    stage = ChoiceLabelField(Stage)
    level = ChoiceLabelField(Level)
    light = serializers.SerializerMethodField()
    satisfaction = ChoiceLabelField(Satisfaction)
    community = PlaceRefSerializer()
    grid = PlaceRefSerializer(allow_null=True)
    building = BuildingRefSerializer(allow_null=True)
    lat = serializers.DecimalField(
        source="latitude", max_digits=9, decimal_places=6, coerce_to_string=False, allow_null=True
    )
    long = serializers.DecimalField(
        source="longitude", max_digits=9, decimal_places=6, coerce_to_string=False, allow_null=True
    )
    lead_unit = UnitRefSerializer(allow_null=True)
    co_units = UnitRefSerializer(many=True)
    merged_into = CaseRefSerializer(allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "category",
            "description",
            "urgency",
            "source",
            "status",
            "stage",
            "light",
            "due_at",
            "level",
            "community",
            "grid",
            "building",
            "address",
            "lat",
            "long",
            "reporter_name",
            "reporter_phone_masked",
            "lead_unit",
            "co_units",
            "reported_at",
            "accepted_at",
            "dispatched_at",
            "replied_at",
            "resolved_at",
            "closed_at",
            "evaluated_at",
            "satisfaction",
            "reopen_count",
            "supervise_count",
            "overdue_ever",
            "handling_hours",
            "merged_into",
            "status_notes",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "nullable": True, "properties": {"code": {"type": "string"}}})
    def get_light(self, case: Case) -> dict[str, str] | None:
        light = clock.light_at(case, _now(self))
        return {"code": light, "label": str(Light(light).label)} if light else None


class AttachmentSerializer(ModelSerializer):
    kind = ChoiceLabelField(AttachmentKind)
    url = serializers.SerializerMethodField()

    class Meta:
        model = CaseAttachment
        fields = ["id", "kind", "name", "content_type", "size", "sha256", "created_at", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment: CaseAttachment) -> str:
        """The access-checked download (`case-attachment`), never the storage's own address."""
        path = reverse("case-attachment", kwargs={"pk": attachment.case_id, "attachment_id": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class EventSerializer(ModelSerializer):
    """One entry of the case file. A caller who sees the case only as its reporter gets the public
    entries (the services decide which are public) without staff names or internal details."""

    action = ChoiceLabelField(EventAction)
    from_status = ChoiceLabelField(CaseStatus)
    to_status = ChoiceLabelField(CaseStatus)
    unit = UnitRefSerializer(allow_null=True)
    actor_name = serializers.SerializerMethodField()
    data = serializers.SerializerMethodField()  # type: ignore[assignment]  # a field, not .data
    attachments = AttachmentSerializer(many=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "action",
            "at",
            "actor_name",
            "unit",
            "from_status",
            "to_status",
            "comment",
            "public",
            "data",
            "attachments",
        ]
        read_only_fields = fields

    def _whole_file(self) -> bool:
        return bool(self.context.get("whole_file", True))

    def get_actor_name(self, event: CaseEvent) -> str:
        return event.actor_name if self._whole_file() else ""

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_data(self, event: CaseEvent) -> dict[str, Any]:
        return event.data if self._whole_file() else {}


class CaseSummarySerializer(ModelSerializer):
    status = ChoiceLabelField(CaseStatus)

    class Meta:
        model = Case
        fields = ["id", "number", "description", "address", "status", "reported_at"]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    """A case with its file. `duplicate_candidates` is null for callers who may not merge."""

    used_ratio = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    duplicate_candidates = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "stage_started_at",
            "limit_hours",
            "warn_at",
            "used_ratio",
            "external_id",
            "events",
            "duplicate_candidates",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(allow_null=True))  # null while the clock is stopped
    def get_used_ratio(self, case: Case) -> float | None:
        ratio = clock.used_ratio(case, _now(self))
        return round(ratio, 3) if ratio is not None else None

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, case: Case) -> list[dict[str, Any]]:
        events = self.context.get("events")
        if events is None:
            return []
        return EventSerializer(events, many=True, context=self.context).data  # type: ignore[return-value]

    @extend_schema_field(CaseSummarySerializer(many=True, allow_null=True))
    def get_duplicate_candidates(self, case: Case) -> list[dict[str, Any]] | None:
        candidates = self.context.get("duplicates")
        if candidates is None:
            return None
        return CaseSummarySerializer(candidates, many=True).data  # type: ignore[return-value]


# --- cases: writes ------------------------------------------------------------------------------


class CaseReportSerializer(serializers.Serializer):
    """A new case. Give a building, a grid, a community or a point (lat and long); a place you
    cannot see is refused as unknown. The source is `api` unless staff say it came from a grid
    worker, the service window or the hotline."""

    schema_required = ("description",)

    category = category_field(help_text=_("Category code, such as sanitation.garbage."))
    description = text_field(multiline=True, pattern=DESCRIPTION, default=None)
    building = IdRelatedField(queryset=Building.objects.none(), required=False, allow_null=True)
    grid = grid_field()
    community = community_field(allow_null=True)
    lat = PatternTextField(
        pattern=latitude_pattern("+"), required=False, allow_blank=True, allow_null=True, max_length=32
    )
    long = PatternTextField(
        pattern=longitude_pattern("+"), required=False, allow_blank=True, allow_null=True, max_length=32
    )
    address = text_field()
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    reporter_name = text_field(limit=64)
    reporter_phone = text_field(max_length=32, limit=32, pattern=PHONE)
    source = serializers.ChoiceField(choices=[Source.API, *STAFF_SOURCES], default=Source.API)  # type: ignore[assignment]
    photos = photos_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _user(self)
        fields: Any = self.fields
        fields["category"].queryset = selectors.active_categories()
        fields["building"].queryset = registry.buildings_visible_to(user)
        fields["grid"].queryset = registry.grids_visible_to(user)
        fields["community"].queryset = registry.areas_visible_to(user).filter(level=AreaLevel.COMMUNITY)

    def validate_source(self, value: str) -> str:
        if value != Source.API and not has_perm_anywhere(_user(self), Perm.VIEW_CASES):
            raise serializers.ValidationError(_("Only staff may say where a report came from."))
        return value

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data["latitude"] = data.pop("lat", None)
        data["longitude"] = data.pop("long", None)
        data["photo_files"] = data.pop("photos", [])
        return data


class NoteSerializer(serializers.Serializer):
    note = text_field(multiline=True)


class RequiredNoteSerializer(serializers.Serializer):
    schema_required = ("note",)

    note = required_text()


class ReasonSerializer(serializers.Serializer):
    schema_required = ("reason",)

    reason = required_text()


class AcceptSerializer(NoteSerializer):
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)


class DispatchSerializer(NoteSerializer):
    unit = IdRelatedField(queryset=HandlerUnit.objects.none(), help_text=_("Id of the lead unit."))
    co_units = serializers.ListField(
        child=IdRelatedField(queryset=HandlerUnit.objects.none()),
        required=False,
        default=list,
        max_length=20,
        help_text=_("Ids of co-handling units."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = selectors.units_visible_to(_user(self)).filter(active=True)
        fields: Any = self.fields
        fields["unit"].queryset = units
        fields["co_units"].child.queryset = units


class PhotoNoteSerializer(RequiredNoteSerializer):
    photos = photos_field()


class VerifySerializer(NoteSerializer):
    photos = photos_field()
    passed = serializers.BooleanField(help_text=_("true: handled as reported; false: back to the unit."))


class EvaluateSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = text_field(multiline=True)


class MergeSerializer(NoteSerializer):
    into = CharField(max_length=32, help_text=_("Id or number of the case to merge into."))

    def validate_into(self, value: str) -> Case:
        try:
            return selectors.case_get_for(_user(self), value.strip())
        except Http404 as exc:
            raise serializers.ValidationError(_("There is no such case.")) from exc


class CommentSerializer(RequiredNoteSerializer):
    public = serializers.BooleanField(default=False, help_text=_("Shown to the reporter."))


class CorrectSerializer(ReasonSerializer):
    category = category_field(required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    address = CharField(required=False, allow_blank=True, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["category"].queryset = selectors.active_categories()


# --- configuration ------------------------------------------------------------------------------


class CategorySerializer(ModelSerializer):
    """A node of the category tree with its time limits in working hours; `children` nests."""

    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # type: ignore[assignment,var-annotated]
    default_unit = UnitRefSerializer(allow_null=True)
    accept_hours = serializers.FloatField()
    dispatch_hours = serializers.FloatField()
    handle_hours = serializers.FloatField()
    verify_hours = serializers.FloatField()
    children = serializers.SerializerMethodField()

    class Meta:
        model = CaseCategory
        fields = [
            "id",
            "code",
            "name",
            "parent",
            "description",
            "public",
            "active",
            "sort",
            "accept_hours",
            "dispatch_hours",
            "handle_hours",
            "verify_hours",
            "default_unit",
            "children",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"$ref": "#/components/schemas/Category"}})
    def get_children(self, category: CaseCategory) -> list[dict[str, Any]]:
        tree: dict[int | None, list[CaseCategory]] = self.context.get("tree", {})
        return CategorySerializer(tree.get(category.pk, []), many=True, context=self.context).data  # type: ignore[return-value]


# 0.5 to 2,000 working hours with at most one decimal (setup._check_limits).
HOURS = r"^(0\.[5-9]|[1-9]\d{0,2}(\.\d)?|1\d{3}(\.\d)?|2000(\.0)?)$"


def _hours() -> serializers.DecimalField:
    """Documented as required for a new category (`schema_required`); the service also lets a
    sub-category leave them out and take its parent's."""
    return PatternDecimalField(
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal(2000),
        required=False,
        pattern=HOURS,
    )


class CategoryWriteSerializer(serializers.Serializer):
    schema_required = ("accept_hours", "dispatch_hours", "handle_hours", "verify_hours")

    code = serializers.RegexField(CATEGORY_CODE, required=True)
    name = CharField(max_length=64, required=True)
    parent = category_field(  # type: ignore[assignment]  # a field, not Field.parent
        queryset=CaseCategory.objects.all(), required=False, allow_null=True
    )
    description = CharField(max_length=200, required=False, allow_blank=True)
    public = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False)
    sort = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    accept_hours = _hours()
    dispatch_hours = _hours()
    handle_hours = _hours()
    verify_hours = _hours()
    default_unit = IdRelatedField(queryset=HandlerUnit.objects.none(), required=False, allow_null=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["default_unit"].queryset = selectors.units_visible_to(_user(self))


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.id")
    username = CharField(source="user.username")
    full_name = CharField(source="user.full_name")
    is_lead = serializers.BooleanField()


class UnitSerializer(ModelSerializer):
    """A handler unit. `members` is listed only to those who configure units where it serves."""

    kind = ChoiceLabelField(UnitKind)
    area = PlaceRefSerializer()
    members = serializers.SerializerMethodField()

    class Meta:
        model = HandlerUnit
        fields = ["id", "name", "kind", "area", "phone", "active", "members"]
        read_only_fields = fields

    @extend_schema_field(MemberSerializer(many=True, allow_null=True))
    def get_members(self, unit: HandlerUnit) -> list[dict[str, Any]] | None:
        configure = self.context.get("configure_scope")
        if configure is None or not configure.covers(unit.area_path):
            return None
        return MemberSerializer(unit.unitmember_set.all(), many=True).data  # type: ignore[return-value]


class UnitWriteSerializer(serializers.Serializer):
    name = CharField(max_length=64)
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    area = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.none(), help_text=_("12-digit division code.")
    )
    phone = CharField(max_length=32, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["area"].queryset = registry.areas_visible_to(_user(self))


# --- figures and warnings -----------------------------------------------------------------------


class FigureRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True)
    name = CharField()
    reported = serializers.IntegerField()
    accepted = serializers.IntegerField()
    resolved = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue_now = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    avg_handling_hours = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    reopen_rate = serializers.FloatField(allow_null=True)


class FiguresSerializer(serializers.Serializer):
    by = CharField()
    rows = FigureRowSerializer(many=True)
    total = FigureRowSerializer()


class WarningSerializer(ModelSerializer):
    kind = ChoiceLabelField(WarningKind)
    category = CategoryRefSerializer()
    community = PlaceRefSerializer()
    grid = PlaceRefSerializer(allow_null=True)
    building = BuildingRefSerializer(allow_null=True)
    last_case = CaseRefSerializer()

    class Meta:
        model = CaseWarning
        fields = [
            "id",
            "kind",
            "category",
            "community",
            "grid",
            "building",
            "case_count",
            "window_days",
            "last_case",
            "created_at",
            "updated_at",
            "acknowledged_at",
        ]
        read_only_fields = fields
