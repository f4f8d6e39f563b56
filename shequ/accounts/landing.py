"""Where each role lands after logging in, and which roles work in the field (DESIGN rule 9).

A user with several roles lands where their highest role works; an active scope (the switcher)
narrows this to the role of that assignment. URL names only: accounts imports no later app.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from .roles import ROLE_RANK, Role
from .scope import assignments_of

HOME_OF_ROLE: dict[str, str] = {
    Role.ADMIN: "registry:dashboard",
    Role.DISTRICT_ADMIN: "registry:dashboard",
    Role.STREET_ADMIN: "registry:dashboard",
    Role.COMMUNITY_HEAD: "registry:dashboard",
    Role.COMMUNITY_WORKER: "registry:dashboard",
    # The phone home: big buttons for what they do most (insight.field).
    Role.GRID_LEADER: "insight:field_home",
    Role.GRID_WORKER: "insight:field_home",
    Role.BUILDING_LEADER: "insight:field_home",
    # A department handler's work is the cases sent to their unit.
    Role.HANDLER: "cases:todo",
    # Residents and volunteers report and follow in the portal, not in the staff shell.
    Role.VOLUNTEER: "portal:home",
    Role.RESIDENT: "portal:home",
}
FIELD_ROLES = frozenset({Role.GRID_LEADER, Role.GRID_WORKER, Role.BUILDING_LEADER, Role.HANDLER})
PORTAL_ROLES = frozenset({Role.VOLUNTEER, Role.RESIDENT})


def main_role(user: Any) -> str | None:
    """The highest-ranked role the user works as now (the active assignment's, if one is set)."""
    assignments = assignments_of(user)
    active = getattr(user, "active_assignment_id", None)
    chosen = [a for a in assignments if a.pk == active] or assignments
    roles = [a.role for a in chosen if a.role in ROLE_RANK]
    return min(roles, key=ROLE_RANK.__getitem__) if roles else None


def home_url(user: Any) -> str:
    """The page a user lands on: their own work, never a page their role cannot open."""
    role = main_role(user)
    return reverse(HOME_OF_ROLE.get(role or "", "registry:dashboard"))


def works_in_the_field(user: Any) -> bool:
    return main_role(user) in FIELD_ROLES
