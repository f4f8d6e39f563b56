"""Writing audit records: every service that writes calls `record_event` inside its transaction."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation

from shequ.core.actors import System, refuse_missing_actor

from . import actions
from .models import AuditEvent


def record_event(
    *,
    actor: Any,
    action: models.TextChoices,
    target: Any = None,
    area_path: str = "",
    reason: str = "",
    extra: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one record. `action` is a member of an app's registered `TextChoices`; `actor` a
    User or a `System`, never None. Call it inside the service's transaction, so the record and
    the change commit or roll back together."""
    if not isinstance(action, models.Choices) or not actions.is_registered(action):
        raise ValueError(f"Audit action {action!r} is not registered: declare it in the app's TextChoices.")
    target_type = target_id = target_label = ""
    if target is not None:
        target_type = f"{target._meta.app_label}.{target._meta.model_name}"
        target_id = str(target.pk)
        target_label = str(target)[:200]
        area_path = area_path or getattr(target, "area_path", "") or getattr(target, "path", "") or ""
    refuse_missing_actor(actor)
    if isinstance(actor, System):
        with translation.override(settings.LANGUAGE_CODE):
            actor_name = actor.label  # "系统（案件时钟）": which job, in the log's own language
    else:
        actor_name = str(getattr(actor, "username", "") or "")
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor_name[:150],
        action=action.value,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        area_path=area_path,
        reason=str(reason),
        extra=extra or {},
        ip_address=ip_address,
    )
