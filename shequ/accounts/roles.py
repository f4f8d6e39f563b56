"""Roles and what each may do. What a user may *see* comes from the scope of each assignment.

The permission table is the contract that docs/roles.md documents; change both together.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("System admin")
    DISTRICT_ADMIN = "district_admin", _("District/county admin")
    STREET_ADMIN = "street_admin", _("Street admin")
    COMMUNITY_HEAD = "community_head", _("Community secretary/director")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    GRID_LEADER = "grid_leader", _("Grid leader")
    GRID_WORKER = "grid_worker", _("Grid worker")
    BUILDING_LEADER = "building_leader", _("Building/ten-household leader")
    HANDLER = "handler", _("Department handler")
    VOLUNTEER = "volunteer", _("Volunteer")
    RESIDENT = "resident", _("Resident")


class Perm(StrEnum):
    VIEW_PLACES = "view_places"  # areas, grids, micro-grids, buildings, organisations
    VIEW_RESIDENTS = "view_residents"  # residents, households, dwellings
    CHANGE_REGISTRY = "change_registry"
    REVEAL_PII = "reveal_pii"
    VIEW_KEY_POPULATIONS = "view_key_populations"
    IMPORT_REGISTRY = "import_registry"
    EXPORT_REGISTRY = "export_registry"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    # Cases (cases app). Handling is further limited to members of the unit a case is sent to.
    VIEW_CASES = "view_cases"
    REPORT_CASES = "report_cases"
    MANAGE_CASES = "manage_cases"  # accept, refuse, dispatch, verify, escalate, suspend, merge, supervise
    VERIFY_CASES = "verify_cases"  # the collector checks the result on site (核查)
    HANDLE_CASES = "handle_cases"  # take, return, reply: members of the unit only
    CONFIGURE = "configure"  # categories, handler units, the working calendar, Open311 keys


_ALL = frozenset(Perm)
_GRID = frozenset(
    {
        Perm.VIEW_PLACES,
        Perm.VIEW_RESIDENTS,
        Perm.CHANGE_REGISTRY,
        Perm.REVEAL_PII,
        Perm.VIEW_KEY_POPULATIONS,
        Perm.EXPORT_REGISTRY,
        Perm.VIEW_CASES,
        Perm.REPORT_CASES,
        Perm.VERIFY_CASES,
    }
)
_WORKER = _GRID | {Perm.MANAGE_CASES, Perm.HANDLE_CASES}
# Street and community heads run the loop in their area but do not configure the county.
_HEAD = _ALL - {Perm.CONFIGURE}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.ADMIN: _ALL,
    Role.DISTRICT_ADMIN: _ALL,
    Role.STREET_ADMIN: _HEAD,
    Role.COMMUNITY_HEAD: _HEAD,
    Role.COMMUNITY_WORKER: _WORKER | {Perm.IMPORT_REGISTRY},
    Role.GRID_LEADER: _GRID,
    Role.GRID_WORKER: _GRID,
    # Building leaders know their neighbours but do not see ID numbers or sensitive tags.
    Role.BUILDING_LEADER: frozenset({Perm.VIEW_PLACES, Perm.VIEW_RESIDENTS, Perm.REPORT_CASES}),
    # Handlers see the cases sent to their unit (cases.selectors), not an area; volunteers and
    # residents report through the portal. None of the three lists the registry's places: the
    # organisations list names contact persons, and the portal has its own building search.
    Role.HANDLER: frozenset({Perm.HANDLE_CASES}),
    Role.VOLUNTEER: frozenset({Perm.REPORT_CASES}),
    Role.RESIDENT: frozenset({Perm.REPORT_CASES}),
}

# Which node a role is assigned at; create_user and the user page check it.
AREA_ROLES = {
    Role.DISTRICT_ADMIN: "district",
    Role.STREET_ADMIN: "street",
    Role.COMMUNITY_HEAD: "community",
    Role.COMMUNITY_WORKER: "community",
}
# Same msgids as registry.models.AreaLevel, which accounts may not import.
LEVEL_LABELS = {
    "district": _("District/county"),
    "street": _("Street/town"),
    "community": _("Community/village"),
}
GRID_ROLES = {Role.GRID_LEADER, Role.GRID_WORKER, Role.BUILDING_LEADER}
# Grid roles that may also be held at a micro-grid (a building or 10–50 households), where the
# holder sees only that micro-grid's buildings and residents.
MICRO_GRID_ROLES = {Role.BUILDING_LEADER}
# Ranking used to decide which roles an admin may hand out: only roles below their own.
ROLE_RANK = {r: i for i, r in enumerate(Role.values)}
