"""Serializer fields every app's API shares: a coded value shown as `{"code", "label"}`, from a
`TextChoices` (`ChoiceLabelField`) or a national code table (`CodeTableField`)."""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import codes
from .inputs import CharField
from .models import CodeTable


class CodeLabelSerializer(serializers.Serializer):
    """A coded value with its label in the request's language: `{"code": "01", "label": "汉族"}`."""

    code = CharField()
    label = CharField()  # type: ignore[assignment]  # a field, not Field.label


@extend_schema_field(CodeLabelSerializer(allow_null=True))
class ChoiceLabelField(serializers.Field):
    """A `TextChoices` value shown as code + label."""

    def __init__(self, choices: type[TextChoices], **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        self.labels = dict(choices.choices)

    def to_representation(self, value: str) -> dict[str, str] | None:
        if not value:
            return None
        return {"code": value, "label": str(self.labels.get(value, value))}


@extend_schema_field(CodeLabelSerializer(allow_null=True))
class CodeTableField(serializers.Field):
    """A national code (GB 3304, GB/T 4762, ...) shown as code + name from the code tables."""

    def __init__(self, table: CodeTable, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        self.table = table

    def to_representation(self, value: str) -> dict[str, str] | None:
        if not value:
            return None
        return {"code": value, "label": codes.label(self.table, value)}
