"""One exception type for business-rule violations, mapped once to a 400 (API) or a message (pages)."""

from __future__ import annotations

from typing import Any


class RuleError(Exception):
    """A request that breaks a rule: the user can fix it, so it is never a 500.

    `code` is stable for integrators, `message` is shown to people (Chinese through gettext),
    `fields` maps a field name to its own messages.
    """

    def __init__(self, code: str, message: Any, *, fields: dict[str, list[Any]] | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.fields = fields or {}

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "detail": str(self.message),
            "fields": {k: [str(m) for m in v] for k, v in self.fields.items()},
        }
