"""The left menu and the scope switcher, built from the user's cached role assignments.

`scope.assignments_of` caches the assignments on the user object, so the whole menu costs at
most one query per request however many items it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .landing import FIELD_ROLES, PORTAL_ROLES, home_url, main_role, works_in_the_field
from .roles import Perm, Role
from .scope import assignments_of, has_perm_anywhere


@dataclass(frozen=True)
class MenuItem:
    label: Any
    url_name: str
    icon: str
    # A permission, or a tuple of them meaning "any of".
    perm: Perm | tuple[Perm, ...] | None = None
    # URL prefix that marks the item active; defaults to the item's own URL.
    match: str = ""
    # Shown only to users whose main role (accounts.landing) is one of these; empty: to everyone.
    roles: frozenset[str] = frozenset()


MENU: list[tuple[Any, list[MenuItem]]] = [
    (
        "",
        [
            MenuItem(_("Home"), "insight:field_home", "⌂", None, roles=FIELD_ROLES - {Role.HANDLER}),
            # The figures of an area: for those who see its places, residents or cases.
            MenuItem(
                _("Dashboard"),
                "registry:dashboard",
                "▦",
                (Perm.VIEW_RESIDENTS, Perm.VIEW_CASES, Perm.VIEW_PLACES),
            ),
            MenuItem(_("Report or follow"), "portal:home", "☏", None, roles=PORTAL_ROLES),
        ],
    ),
    (
        _("Population & housing"),
        [
            MenuItem(_("Residents"), "registry:residents", "☺", Perm.VIEW_RESIDENTS),
            MenuItem(_("Households"), "registry:households", "⌂", Perm.VIEW_RESIDENTS),
            MenuItem(_("Buildings"), "registry:buildings", "▥", Perm.VIEW_PLACES),
            MenuItem(_("Grids"), "registry:grids", "▦", Perm.VIEW_PLACES),
            MenuItem(_("Organisations"), "registry:organizations", "◫", Perm.VIEW_PLACES),
            MenuItem(_("Map"), "registry:map", "◎", Perm.VIEW_PLACES),
        ],
    ),
    (
        _("Data"),
        [
            # The import pages are another section's; whichever of these names it uses.
            MenuItem(
                _("Data import"),
                "registry:import_start|registry:imports|registry:import_list",
                "⇪",
                Perm.IMPORT_REGISTRY,
                match="/registry/import",
            ),
        ],
    ),
    (
        _("Cases"),
        [
            # Handlers hold handle_cases but not view_cases: the list shows them their unit's cases.
            MenuItem(_("Cases"), "cases:list", "☷", (Perm.VIEW_CASES, Perm.HANDLE_CASES, Perm.REPORT_CASES)),
            MenuItem(
                _("My to-do"), "cases:todo", "◷", (Perm.MANAGE_CASES, Perm.VERIFY_CASES, Perm.HANDLE_CASES)
            ),
            MenuItem(_("Report a case"), "cases:new", "✚", Perm.REPORT_CASES),
            MenuItem(_("Case figures"), "cases:figures", "▤", Perm.VIEW_CASES),
            MenuItem(_("Warnings"), "cases:warnings", "⚠", Perm.VIEW_CASES),
            MenuItem(_("Categories and units"), "cases:setup", "⚙", Perm.CONFIGURE),
        ],
    ),
    (
        _("System"),
        [
            MenuItem(_("Users"), "accounts:users", "⚇", Perm.MANAGE_USERS),
            MenuItem(_("Audit log"), "audit:events", "☰", Perm.VIEW_AUDIT),
            MenuItem(_("Reveal report"), "registry:reveals", "◉", Perm.VIEW_AUDIT),
            MenuItem(_("Working calendar"), "workdays:calendar", "▣", Perm.VIEW_CASES),
        ],
    ),
]


def _url(names: str) -> str | None:
    for name in names.split("|"):
        try:
            return reverse(name)
        except NoReverseMatch:  # a section whose pages have not landed yet
            continue
    return None


def build_menu(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    path = request.path
    groups: list[dict[str, Any]] = []
    role = main_role(user)
    for title, items in MENU:
        entries = []
        for item in items:
            if item.roles and role not in item.roles:
                continue
            if not _may(user, item):
                continue
            url = _url(item.url_name)
            if url is None:
                continue
            prefix = item.match or url
            active = path == url if url.rstrip("/").count("/") <= 1 else path.startswith(prefix)
            entries.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
        if entries:
            groups.append({"title": title, "items": entries})
    return groups


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    assignments = assignments_of(user)
    active_id = getattr(user, "active_assignment_id", None)
    return {
        "nav_menu": build_menu(request),
        "nav_assignments": assignments,
        "nav_active_assignment": next((a for a in assignments if a.pk == active_id), None),
        "nav_home": home_url(user),
        # Phones of grid workers, grid and building leaders and handlers get a bottom bar.
        "nav_field": works_in_the_field(user),
        "nav_bottom": bottom_bar(request) if works_in_the_field(user) else [],
    }


# The big buttons of the phone home (insight.field), in the order field staff use them. Later apps
# (visits, patrols, tasks) add theirs here; a name that does not resolve yet is skipped.
# "my_grid" is filled in with the user's own grid by the home page.
FIELD_BUTTONS: list[MenuItem] = [
    MenuItem(_("Report a case"), "cases:new", "✚", Perm.REPORT_CASES),
    MenuItem(_("My to-do"), "cases:todo", "◷", (Perm.MANAGE_CASES, Perm.VERIFY_CASES, Perm.HANDLE_CASES)),
    MenuItem(_("My grid"), "my_grid", "▦", Perm.VIEW_PLACES),
    MenuItem(_("Cases"), "cases:list", "☷", (Perm.VIEW_CASES, Perm.HANDLE_CASES, Perm.REPORT_CASES)),
    MenuItem(_("Residents"), "registry:residents", "☺", Perm.VIEW_RESIDENTS),
    MenuItem(_("Buildings"), "registry:buildings", "▥", Perm.VIEW_PLACES),
]
# The bottom bar on phones: home, then these (if the role may use them), then the full menu.
BOTTOM_BAR = ("cases:todo", "cases:new", "registry:residents", "cases:list")


def _may(user: Any, item: MenuItem) -> bool:
    perms = item.perm if isinstance(item.perm, tuple) else (item.perm,) if item.perm else ()
    return not perms or any(has_perm_anywhere(user, p) for p in perms)


def field_buttons(user: Any, *, my_grid: str | None = None) -> list[dict[str, Any]]:
    out = []
    for item in FIELD_BUTTONS:
        if not _may(user, item):
            continue
        url = my_grid if item.url_name == "my_grid" else _url(item.url_name)
        if url:
            out.append({"label": item.label, "url": url, "icon": item.icon, "key": item.url_name})
    return out


def bottom_bar(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    by_name = {item.url_name: item for item in FIELD_BUTTONS}
    entries = []
    for name in BOTTOM_BAR:
        item = by_name[name]
        if _may(user, item) and (url := _url(name)):
            entries.append(
                {"label": item.label, "url": url, "icon": item.icon, "active": request.path == url}
            )
    return entries[:3]
