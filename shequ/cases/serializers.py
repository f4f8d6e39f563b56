"""API shapes of cases. Reads are flat, with the reporter's phone only ever masked; writes only
parse and resolve references through the caller's scope, then hand the fields to `services`,
which hold every rule and every message (one set for the pages, the portal and the API)."""

from __future__ import annotations

import datetime as dt
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
from shequ.core.serializers import ChoiceLabelField
from shequ.places.models import Area, AreaLevel, Grid
from shequ.registry import selectors as registry
from shequ.registry.models import Building
from shequ.registry.serializers import PlaceRefSerializer

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


def text_field(*, multiline: bool = False, **kwargs: Any) -> CharField:
    """Free text: its length and whether it may be empty are the services' rules, with their messages."""
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    kwargs.setdefault("default", "")
    kwargs.setdefault("trim_whitespace", False)
    return CharField(multiline=multiline, **kwargs)


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

    @extend_schema_field(OpenApiTypes.FLOAT)
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

    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=CaseCategory.objects.none(),
        help_text=_("Category code, such as sanitation.garbage."),
    )
    description = CharField(allow_blank=True, trim_whitespace=False, multiline=True)
    building = IdRelatedField(queryset=Building.objects.none(), required=False, allow_null=True)
    grid = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Grid.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("15-digit grid code."),
    )
    community = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Area.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("12-digit division code of the community."),
    )
    lat = CharField(required=False, allow_blank=True, allow_null=True, max_length=32)
    long = CharField(required=False, allow_blank=True, allow_null=True, max_length=32)
    address = text_field()
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    reporter_name = text_field()
    reporter_phone = text_field(max_length=32)
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


class ReasonSerializer(serializers.Serializer):
    reason = text_field(multiline=True)


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


class PhotoNoteSerializer(NoteSerializer):
    photos = photos_field()


class VerifySerializer(PhotoNoteSerializer):
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


class CommentSerializer(NoteSerializer):
    public = serializers.BooleanField(default=False, help_text=_("Shown to the reporter."))


class CorrectSerializer(ReasonSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=CaseCategory.objects.none(), required=False
    )
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


def _hours() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=6, decimal_places=1, required=False)


class CategoryWriteSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^[a-z0-9_.-]{1,32}$", required=False)
    name = CharField(max_length=64, required=False)
    parent = serializers.SlugRelatedField(  # type: ignore[assignment]  # a field, not Field.parent
        slug_field="code", queryset=CaseCategory.objects.all(), required=False, allow_null=True
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
