"""The one permission check services make before they write: `require(by, perm, path)`.

A `System` actor (a job, a command, the demo builder) is let through explicitly: it runs with the
whole county's scope, as operators' tools always have. `None` is refused, never read as "the
system": a service called without an actor is a bug, and it must not skip the check.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from shequ.core.actors import System, refuse_missing_actor
from shequ.core.errors import RuleError

from .roles import Perm
from .scope import scope_for


def require(by: Any, perm: Perm, path: str | None = None) -> None:
    """Refuse unless `by` holds `perm` at `path` (or anywhere, when no path is given)."""
    refuse_missing_actor(by)
    if isinstance(by, System):
        return
    scope = scope_for(by, perm)
    if (path is None and scope.empty) or (path is not None and not scope.covers(path)):
        raise RuleError("forbidden", _("You do not have permission to do this here."))


def is_system(by: Any) -> bool:
    """True for a job or command; refuses a missing actor, so `None` is never mistaken for one."""
    refuse_missing_actor(by)
    return isinstance(by, System)
