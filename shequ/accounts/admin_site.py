"""The Django admin, off unless SHEQU_ADMIN_ENABLED turns it on, and signed into only through the
app's own login page, so the lock-out and the per-address limit hold there too (docs/security.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404, HttpRequest, HttpResponse


class ShequAdminSite(admin.AdminSite):
    def _check_enabled(self) -> None:
        if not settings.SHEQU_ADMIN_ENABLED:
            raise Http404

    def has_permission(self, request: HttpRequest) -> bool:
        # Every admin view but the login passes through admin_view(), which asks this first.
        self._check_enabled()
        return super().has_permission(request)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        self._check_enabled()
        from .views import login_view  # views import the registry; load them when first asked

        return login_view(request)


class ShequAdminConfig(AdminConfig):
    default_site = "shequ.accounts.admin_site.ShequAdminSite"
