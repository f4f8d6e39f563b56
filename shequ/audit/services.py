"""Writing audit records. Every reveal, export, import and account change calls `record_event`."""

from __future__ import annotations

from typing import Any

from .models import AuditEvent


def record_event(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    area_path: str = "",
    reason: str = "",
    extra: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    target_type = target_id = target_label = ""
    if target is not None:
        target_type = f"{target._meta.app_label}.{target._meta.model_name}"
        target_id = str(target.pk)
        target_label = str(target)[:200]
        area_path = area_path or getattr(target, "area_path", "") or getattr(target, "path", "") or ""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=str(getattr(actor, "username", "") or "system"),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        area_path=area_path,
        reason=str(reason),
        extra=extra or {},
        ip_address=ip_address,
    )
