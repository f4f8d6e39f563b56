"""Security headers Django 5.2 does not set itself (Content-Security-Policy, Permissions-Policy,
no-store on pages with personal data), and a guard against NUL characters in URLs.

The policy lives in settings.SHEQU_CSP (directive → sources) so an operator can add a tile server
or a reporting endpoint without touching code; docs/security.md says why each source is there and
what keeps the policy from being stricter today.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.defaults import bad_request

from shequ.core.basemap import tile_source  # noqa: F401  (still importable from here)

_View = TypeVar("_View", bound=Callable[..., Any])


def build_policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


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


def personal_data(view: _View) -> _View:
    """Mark a page that shows personal data to someone not signed in (the portal's case page), so
    NoStoreMiddleware keeps it out of every cache. Pages for signed-in users need no mark."""
    view.shows_personal_data = True  # type: ignore[attr-defined]
    return view


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in user or an API token (residents,
    households, the reveal page and its HTMX fragment, cases, audit) and on views marked
    @personal_data: a shared computer's browser cache or a proxy must not keep a revealed ID number
    or a resident's page (docs/security.md). A view that chose its own caching (a photo's
    `private, max-age`) keeps it. One rule, here, instead of a decorator on every view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if (
            getattr(request, "shows_personal_data", False)
            or (user is not None and user.is_authenticated)
            or "HTTP_AUTHORIZATION" in request.META
        ):
            add_never_cache_headers(response)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> None:
        request.shows_personal_data = getattr(view_func, "shows_personal_data", False)  # type: ignore[attr-defined]


def _has_nul(request: HttpRequest) -> bool:
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
    )


class RejectNulMiddleware:
    """A 400 for a path or query string with a NUL character, before any view runs: PostgreSQL
    refuses NUL in text, so `?community=33%00` or `/api/v1/tags/a%00/` would otherwise reach a
    lookup and fail as a 500 (request bodies: `shequ.core.parsers`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            message = str(ProhibitNullCharactersValidator.message)
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "parse_error", "detail": message, "fields": {}}, status=400)
            return bad_request(request, SuspiciousOperation(message))
        return self.get_response(request)
