"""Security headers Django 5.2 does not set itself: Content-Security-Policy and Permissions-Policy.

The policy lives in settings.SHEQU_CSP (directive → sources) so an operator can add a tile server
or a reporting endpoint without touching code; docs/security.md says why each source is there and
what keeps the policy from being stricter today.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def build_policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def tile_source(url_template: str) -> str | None:
    """The CSP source for a Leaflet tile URL such as `https://{s}.tiles.example/{z}/{x}/{y}.png`."""
    if not url_template:
        return None
    parts = urlsplit(url_template)
    if not parts.scheme or not parts.netloc:
        return None  # a relative URL: tiles come from this site, which 'self' already allows
    host = parts.netloc.replace("{s}.", "*.")
    return f"{parts.scheme}://{host}"


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and Permissions-Policy headers to every response (pages, the
    API, downloads) unless a view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp = build_policy(settings.SHEQU_CSP)
        self.permissions = settings.SHEQU_PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.csp:
            response.headers.setdefault("Content-Security-Policy", self.csp)
        if self.permissions:
            response.headers.setdefault("Permissions-Policy", self.permissions)
        return response
