from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_for
from shequ.audit.models import AuditEvent


def events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    """Audit records of the caller's scope; records with no area (account events) only for admins."""
    scope = scope_for(user, Perm.VIEW_AUDIT)
    return AuditEvent.objects.filter(scope.q("area_path")).select_related("actor")
