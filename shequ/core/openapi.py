"""The OpenAPI schema class: drf-spectacular's, plus the error responses every operation can give.

A module of its own because drf-spectacular's AutoSchema imports DRF's generic views, which read
the pagination class in `shequ.core.api` while they load.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from rest_framework import serializers
from rest_framework.permissions import AllowAny

# The one error shape (DESIGN rule 4), as `shequ.core.api.exception_handler` produces it.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "Machine-readable reason, e.g. `invalid`, `not_found`."},
        "detail": {"type": "string", "description": "A message for people, in the request's language."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Messages per field; empty when the error is not about one field.",
        },
    },
    "required": ["code", "detail", "fields"],
}
_ERROR_DESCRIPTIONS = {
    "400": "The input is not valid or breaks a rule",
    "401": "No valid token or session",
    "403": "The caller may not do this",
    "404": "Missing, or outside the caller's scope (the same answer for both)",
    "429": "Too many requests; retry later",
}


def _has_files(serializer: Any) -> bool:
    fields = getattr(force_instance(serializer), "fields", None)
    if not fields:
        return False
    for field in fields.values():
        child = getattr(field, "child", field)
        if isinstance(child, serializers.FileField) or _has_files(child):
            return True
    return False


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the error responses every operation can give (DESIGN rule 4),
    so clients and the schemathesis fuzz test know a 400, 401, 403 or 404 is part of the contract."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        component = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA
        )
        self.registry.register_on_missing(component)
        codes = ["400", "404"]
        if self.view.get_authenticators() and not all(
            isinstance(p, AllowAny) for p in self.view.get_permissions()
        ):
            codes += ["401", "403"]
        if self.view.get_throttles():
            codes.append("429")
        for code in sorted(codes):
            responses.setdefault(
                code,
                {
                    "description": _ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": component.ref}},
                },
            )
        return responses

    def map_parsers(self) -> list[str]:
        """A body without files is documented as JSON only: a form encoding cannot say null (it
        would send the text "null"), so a nullable field's schema would promise what a form cannot
        carry. The form parsers still accept such bodies, as before."""
        media_types: list[str] = super().map_parsers()
        if "application/json" in media_types and not _has_files(self.get_request_serializer()):
            return ["application/json"]
        return media_types

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> Any:
        """Fields the serializer leaves to its service (`schema_required`: the service answers a
        missing one with its own code and message) are documented as required and not blank."""
        schema: dict[str, Any] = super()._map_basic_serializer(serializer, direction)
        names = getattr(serializer, "schema_required", ())
        if direction != "request" or not names or getattr(serializer, "partial", False):
            return schema
        properties = schema.get("properties", {})
        for name in names:
            prop = properties.get(name)
            if prop is None:
                continue
            branches = prop.pop("oneOf", None)
            if branches:  # drop the "or blank" branch drf-spectacular adds to a blank-allowed field
                prop.update(branches[0])
            prop.pop("default", None)
        schema["required"] = [*schema.get("required", []), *(n for n in names if n in properties)]
        return schema

    def _get_request_for_media_type(self, serializer: Any, direction: str = "request") -> Any:
        """A PATCH whose serializer is parsed whole (`partial_on_patch = False`, such as a grid's new
        boundary) documents its required fields as required, not as drf-spectacular's "Patched" copy."""
        if self.method == "PATCH" and getattr(serializer, "partial_on_patch", True) is False:
            self.method = "POST"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)


# --- what the fields check, said in the schema ------------------------------------------------

# Text that must not be blank holds a character other than white space once it is trimmed.
VISIBLE = r"\S"


class CleanTextFieldExtension(OpenApiSerializerFieldExtension):
    """`core.inputs.CharField`: DRF's mapping, and a text that may not be blank says so with a
    pattern (DRF trims it first, so "   " is blank; minLength alone would promise it passes)."""

    target_class = "shequ.core.inputs.CharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        field = self.target
        if (
            direction == "request"
            and not field.allow_blank
            and field.trim_whitespace
            and "pattern" not in schema
            and "enum" not in schema
        ):
            schema["pattern"] = VISIBLE
        return schema


class SchemaOverrideFieldExtension(OpenApiSerializerFieldExtension):
    """Fields that carry the schema of what they accept (`core.serializers.CodeRelatedField`,
    `PatternDecimalField`, `EnumTextField`): built from their own arguments, so it survives the
    copy DRF makes of every declared field."""

    target_class = "shequ.core.serializers.DescribedField"
    match_subclasses = True
    priority = 1  # before CleanTextFieldExtension, which would match the text ones

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema = {key: value for key, value in schema.items() if key not in ("pattern", "format")}
            schema.update(self.target.request_schema())
        return schema


class FilterExtension(DjangoFilterExtension):
    """django-filter's parameters with what their form fields check: the pattern of a code
    filter's RegexValidator and a text filter's maximum length."""

    priority = 1

    def resolve_filter_field(
        self, auto_schema: Any, model: Any, filterset_class: Any, field_name: str, filter_field: Any
    ) -> Any:
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        extra: dict[str, Any] = {}
        for validator in filter_field.extra.get("validators", []):
            if isinstance(validator, RegexValidator) and not validator.inverse_match:
                regex = validator.regex  # compiled by the validator's __init__
                extra["pattern"] = regex if isinstance(regex, str) else regex.pattern
        if filter_field.extra.get("max_length"):
            extra["maxLength"] = filter_field.extra["max_length"]
        for low, high in (("min_value", "minimum"), ("max_value", "maximum")):
            if filter_field.extra.get(low) is not None:
                extra[high] = filter_field.extra[low]
        for parameter in parameters:
            schema = parameter.get("schema", {})
            kind = schema.get("type")
            for key, value in extra.items():
                if (key in ("pattern", "maxLength") and kind == "string") or (
                    key in ("minimum", "maximum") and kind == "integer"
                ):
                    schema[key] = value
        return parameters
