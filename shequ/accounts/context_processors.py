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

from .roles import Perm
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


MENU: list[tuple[Any, list[MenuItem]]] = [
    ("", [MenuItem(_("Dashboard"), "registry:dashboard", "▦", None)]),
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
    for title, items in MENU:
        entries = []
        for item in items:
            perms = item.perm if isinstance(item.perm, tuple) else (item.perm,) if item.perm else ()
            if perms and not any(has_perm_anywhere(user, p) for p in perms):
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
    }
