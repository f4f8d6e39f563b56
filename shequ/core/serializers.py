"""Serializer fields every app's API shares: a coded value shown as `{"code", "label"}`, from a
`TextChoices` (`ChoiceLabelField`) or a national code table (`CodeTableField`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
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


# --- request fields that state what they accept (core.openapi.SchemaOverrideFieldExtension) ----


class DescribedField:
    """A request field whose schema says exactly what it accepts (`request_schema`)."""

    def request_schema(self) -> dict[str, Any]:
        raise NotImplementedError


class CodeRelatedField(DescribedField, serializers.SlugRelatedField):
    """A row named by its code (a division, grid or category code). A value not of the code's
    form is refused before any lookup, with the message of the matching filter."""

    def __init__(self, *, pattern: str, message: Any, **kwargs: Any) -> None:
        self.pattern = pattern
        self.message = message
        self._regex = re.compile(pattern)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)  # a numeric code sent as a JSON number was always found
        if not isinstance(data, str) or not self._regex.search(data):
            raise serializers.ValidationError(self.message)
        return super().to_internal_value(data)

    def request_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": self.pattern}


class PatternDecimalField(DescribedField, serializers.DecimalField):
    """A DecimalField documented as the strings it accepts. drf-spectacular's own pattern for a
    decimal lets through ".", "-" and values outside min/max; `pattern` states digits and range."""

    def __init__(self, *, pattern: str, **kwargs: Any) -> None:
        self.pattern = pattern
        super().__init__(**kwargs)

    def request_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": self.pattern}


class EnumTextField(DescribedField, CharField):
    """Text that the services match against a list (codes, or their names): the schema lists
    the values, `values` being read when the schema is built (code tables are data)."""

    def __init__(self, *, values: Callable[[], Iterable[str]], **kwargs: Any) -> None:
        self.values = values
        super().__init__(**kwargs)

    def request_schema(self) -> dict[str, Any]:
        values = list(dict.fromkeys(self.values()))
        if self.allow_blank and "" not in values:
            values.insert(0, "")
        return {"type": "string", "enum": values}


class PatternTextField(DescribedField, CharField):
    """Text the services normalise before checking it (a phone number written 138-0000-0001 or
    +86 138...): the schema states the stored form, which is always accepted."""

    def __init__(self, *, pattern: str, **kwargs: Any) -> None:
        self.pattern = pattern
        super().__init__(**kwargs)

    def request_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": self.pattern}


class DateTextField(DescribedField, CharField):
    """A date the services read as people type it (2023-01-05, 2023/1/5, 2023年1月5日); the
    schema states the ISO form."""

    def request_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


# Forms of codes and coordinates, shared by the fields above and by the filters.
AREA_CODE = r"^\d{12}$"
GRID_CODE = r"^\d{15}$"
MICRO_GRID_CODE = r"^\d{18}$"
BUILDING_CODE = r"^\d{17}$"
CATEGORY_CODE = r"^[a-z0-9_.-]{1,32}$"


# -90 to 90 and -180 to 180; `decimals` digits after the point at most ("+" for any number).
def latitude_pattern(decimals: str = "{1,6}") -> str:
    return rf"^-?(90(\.0{decimals})?|[1-8]?\d(\.\d{decimals})?)$"


def longitude_pattern(decimals: str = "{1,6}") -> str:
    return rf"^-?(180(\.0{decimals})?|(1[0-7]\d|[1-9]?\d)(\.\d{decimals})?)$"


# GB 11643: a province code, an address code, a birth date from 1880 (a day every month has, or
# the 29th/30th/31st of the months that have it), a sequence number and a check digit or X. What a
# pattern cannot say: the check digit's value, 29 February of a year that is not a leap year, and
# a birth date after today.
ID_NUMBER = (
    r"^(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3])\d{4}"
    r"(18[89]\d|19\d{2}|20\d{2})"
    r"((0[1-9]|1[0-2])(0[1-9]|1\d|2[0-8])|(0[13-9]|1[0-2])(29|30)|(0[13578]|1[02])31|0229)"
    r"\d{3}[\dX]$"
)
# An 11-digit mobile number or a landline with its area code (0579-87654321), as stored.
PHONE = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"
