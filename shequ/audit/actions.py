"""The registry of audit actions: every action an app writes is a member of that app's
`TextChoices` of "noun:verb" values with a Chinese label, registered from the app's
`AppConfig.ready()`. `record_event` refuses an action nobody registered, and the system check
`audit.E001`–`E003` fails on a registered action without a label, so the log never shows a bare code
for something the code writes (docs/adr/0009-audit-trail.md)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise

ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$")

_actions: dict[str, Any] = {}  # "noun:verb" → its TextChoices member
_groups: list[type[models.TextChoices]] = []


def register(*groups: type[models.TextChoices]) -> None:
    """Register an app's actions. The same value declared by two apps is a set-up error."""
    for group in groups:
        if group in _groups:
            continue
        for member in group:
            other = _actions.get(member.value)
            if other is not None and type(other) is not group:
                raise ImproperlyConfigured(
                    f"Audit action {member.value!r} is declared by both {type(other).__name__} "
                    f"and {group.__name__}."
                )
            _actions[member.value] = member
        _groups.append(group)


def groups() -> list[type[models.TextChoices]]:
    return list(_groups)


def is_registered(action: Any) -> bool:
    return isinstance(action, str) and action in _actions


def label(action: str) -> Any:
    """The action as people read it; an action no app declares any more (an old row) shows its code."""
    member = _actions.get(action)
    return member.label if member is not None else action


def labels() -> dict[str, Any]:
    return {value: member.label for value, member in _actions.items()}


def has_own_label(member: Any) -> bool:
    """TextChoices invents a label from the member name when none is given ("Resident Reveal"):
    that is not a label a community worker can read, so it does not count."""
    if isinstance(member.label, Promise):  # given through gettext_lazy, as every app does
        return bool(str(member.label).strip())
    invented = member.name.replace("_", " ").title()
    return bool(str(member.label).strip()) and str(member.label) != invented
