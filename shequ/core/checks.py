"""System checks for configuration mistakes an operator can make."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_field_keys(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    from . import crypto

    errors: list[checks.CheckMessage] = []
    try:
        crypto.reset_key_cache()
        crypto.encrypt("check")
        crypto.digest("check", purpose="check")
    except Exception as exc:
        errors.append(checks.Error(f"Field encryption is not configured: {exc}", id="shequ.E001"))
    if settings.PRODUCTION and settings.SHEQU_FIELD_KEYS and settings.SHEQU_FIELD_KEYS[0].startswith("ZGV2"):
        errors.append(checks.Error("SHEQU_FIELD_KEY is the demo key", id="shequ.E002"))
    return errors


@checks.register()
def check_working_hours(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    from .calendar import parse_working_hours

    value = getattr(settings, "SHEQU_WORKING_HOURS", "")
    try:
        parse_working_hours(value)
    except ValueError as exc:
        return [
            checks.Error(
                f"SHEQU_WORKING_HOURS={value!r} is not valid: {exc}",
                hint="List the working periods of a day in order, e.g. 08:30-12:00,13:30-18:00",
                id="shequ.E003",
            )
        ]
    return []
