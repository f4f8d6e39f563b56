"""Scope: which part of the area tree a user may see for a given permission (DESIGN rule 1).

Every scoped row carries `area_path` (community, grid or micro-grid path such as
`330723.001.014.003`); a user's scope for a permission is the list of paths of the role
assignments that grant it, so filtering is one indexed prefix match per assignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from shequ.core import lookups  # noqa: F401  (registers `__under`)

from .roles import ROLE_PERMISSIONS, Perm, Role


@dataclass(frozen=True)
class Scope:
    everything: bool
    paths: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.everything and not self.paths

    def q(self, field: str = "area_path") -> Q:
        if self.everything:
            return Q()
        if not self.paths:
            return Q(pk__in=[])
        query = Q()
        for path in self.paths:
            query |= Q(**{f"{field}__under": path})
        return query

    def covers(self, path: str | None) -> bool:
        if self.everything:
            return True
        if not path:
            return False
        return any(path.startswith(p) for p in self.paths)

    @property
    def common_path(self) -> str:
        """The deepest node above every path of the scope ("" for everything or nothing): where an
        event about the whole scope (an export) is filed, so every head above it sees the event."""
        return "" if self.everything else common_path(self.paths)

    def ancestors_q(self, field: str = "path") -> Q:
        """Nodes above the scope (a grid worker may see the name of their community and street)."""
        if self.everything:
            return Q()
        prefixes: set[str] = set()
        for path in self.paths:
            parts = path.split(".")
            prefixes.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        return Q(**{f"{field}__in": sorted(prefixes)})


def common_path(paths: Any) -> str:
    """The longest run of leading path segments all `paths` share (`330723.001` for two communities
    of one street); "" when they share none or there are none."""
    split = [p.split(".") for p in paths if p]
    if not split:
        return ""
    shared: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        shared.append(parts[0])
    return ".".join(shared)


def home_path(user: Any) -> str:
    """Where a user's own account events are filed: the common path of their role assignments."""
    return common_path(a.scope_path for a in user.assignments.all()) if getattr(user, "pk", None) else ""


def _normalize(paths: set[str]) -> tuple[str, ...]:
    """Drop paths already covered by a shorter one, so queries stay short."""
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(sorted(kept))


def assignments_of(user: Any) -> list[Any]:
    cached = getattr(user, "_shequ_assignments", None)
    if cached is None:
        cached = list(user.assignments.all()) if getattr(user, "pk", None) else []
        user._shequ_assignments = cached
    return cached


def scope_for(user: Any, perm: Perm | str) -> Scope:
    """The part of the tree where `user` holds `perm`, narrowed by the active scope if one is set."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope(False)
    active = getattr(user, "active_assignment_id", None)
    if user.is_superuser and not active:
        return Scope(True)
    paths: set[str] = set()
    for a in assignments_of(user):
        if active and a.pk != active:
            continue
        if perm not in ROLE_PERMISSIONS.get(a.role, ()):
            continue
        if a.role == Role.ADMIN:
            return Scope(True)
        if a.scope_path:
            paths.add(a.scope_path)
    return Scope(False, _normalize(paths))


def has_perm_anywhere(user: Any, perm: Perm | str) -> bool:
    return not scope_for(user, perm).empty


def roles_of(user: Any) -> set[str]:
    return {a.role for a in assignments_of(user)}


def clear(user: Any) -> None:
    if hasattr(user, "_shequ_assignments"):
        del user._shequ_assignments
