"""403, 404 and 500 as pages of the site: in the layout, in the user's language, with a way back.

Django's own handlers would answer a bare English "403 Forbidden" where no template exists; these
render `403.html`, `404.html` and `500.html`. The 500 page is rendered without the request's
context processors (the menu, the user): whatever failed may be among them.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

logger = logging.getLogger(__name__)


def back_url(request: HttpRequest) -> str:
    """The page the user came from, if it is one of ours and not the page that failed."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or referer.endswith(request.get_full_path()):
        return ""
    safe = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if safe else ""


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    html = render_to_string("403.html", {"back_url": back_url(request)}, request=request)
    return HttpResponse(html, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    html = render_to_string("404.html", {"back_url": back_url(request)}, request=request)
    return HttpResponse(html, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        html = render_to_string("500.html", {"back_url": back_url(request)})
    except Exception:  # the layout itself failed: Django's plain page rather than a second 500
        logger.exception("500 page could not be rendered")
        return defaults.server_error(request)
    return HttpResponseServerError(html)
