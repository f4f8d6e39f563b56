"""The OpenAPI schema class: drf-spectacular's, plus the error responses every operation can give.

A module of its own because drf-spectacular's AutoSchema imports DRF's generic views, which read
the pagination class in `shequ.core.api` while they load.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
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
