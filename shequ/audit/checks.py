"""System checks on the audit actions: a written action without a label fails `manage.py check`."""

from __future__ import annotations

from typing import Any

from django.core import checks

from . import actions


@checks.register()
def check_actions(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if not actions.groups():
        errors.append(
            checks.Error(
                "No audit actions are registered.",
                hint="Each app registers its TextChoices of actions from AppConfig.ready().",
                id="audit.E001",
            )
        )
    for group in actions.groups():
        for member in group:
            if not actions.ACTION_PATTERN.match(member.value):
                errors.append(
                    checks.Error(
                        f"Audit action {member.value!r} ({group.__name__}) is not of the form 'noun:verb'.",
                        id="audit.E002",
                    )
                )
            if not actions.has_own_label(member):
                errors.append(
                    checks.Error(
                        f"Audit action {member.value!r} ({group.__name__}) has no label.",
                        hint="Give it a label through gettext_lazy, as people read it in the audit log.",
                        id="audit.E003",
                    )
                )
    return errors
