"""System checks for placement: every scoped table can be filtered by path prefix on an index."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks

from .models import PathScoped


@checks.register(checks.Tags.models)
def check_path_indexes(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A scoped model without an index on `area_path` makes every scoped list a full table scan."""
    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
        if not issubclass(model, PathScoped) or model._meta.abstract:
            continue
        if not any("area_path" in index.fields for index in model._meta.indexes):
            errors.append(
                checks.Error(
                    f"{model._meta.label} is scoped by area_path but declares no index on it.",
                    hint="Add places.models.path_index(<model>, app=<app label>) to its Meta.indexes.",
                    obj=model,
                    id="places.E001",
                )
            )
    return errors
