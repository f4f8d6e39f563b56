"""API conventions shared by every app: pagination and the one error shape.

Every error is `{"code": ..., "detail": ..., "fields": {...}}` (DESIGN rule 4).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import error_pages
from .errors import RuleError

MAX_WHOLE_NUMBER = 10**18 - 1  # 18 digits: what `whole_number` reads


def whole_number(raw: str) -> int | None:
    """`raw` as a whole number if it is written in ASCII digits, else None. `str.isdigit()` alone
    lets through '¹' and 5,000-digit strings, which `int()` refuses: 500s the API fuzz test found."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:
        return int(raw)
    return None


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Any) -> int | None:
        """A page size that is not a number from 1 to `max_page_size` is a 400, not silently ignored."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        size = whole_number(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            message = _("Enter a number from 1 to %(max)d.") % {"max": self.max_page_size}
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """The page from 1 (or `last`) and the page size from 1 to `max_page_size`, as checked above."""
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_WHOLE_NUMBER}
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw and raw not in self.last_page_strings and not (whole_number(raw) or 0) >= 1:
            raise exceptions.ValidationError({self.page_query_param: [_("Enter a page number from 1.")]})
        return super().paginate_queryset(queryset, request, view)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, not run when the request names no filter: a FilterSet deep-copies
    its filters and builds their form on every request, a few milliseconds of a list that
    changes nothing when there is nothing to filter by (pagination parameters aside)."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        paging = {Pagination.page_query_param, Pagination.page_size_query_param}
        if all(key in paging for key in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            elif isinstance(value, list):
                out[key] = [
                    str(v) if not isinstance(v, dict) else str(next(iter(v.values()), "")) for v in value
                ]
            else:
                out[key] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(d) for d in detail]}
    return {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse | None:
    response = _api_error(exc, context)
    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None)
    if response is not None and request is not None and getattr(renderer, "format", "") == "api":
        # A browser opening the API: a refusal is the site's Chinese page, as anywhere else.
        if response.status_code == status.HTTP_403_FORBIDDEN:
            return error_pages.permission_denied(request._request)
        if response.status_code == status.HTTP_404_NOT_FOUND:
            return error_pages.page_not_found(request._request)
    return response


def _api_error(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RuleError):
        # accounts.permissions.require() refuses with code "forbidden": the caller lacks the permission here.
        http_status = status.HTTP_403_FORBIDDEN if exc.code == "forbidden" else status.HTTP_400_BAD_REQUEST
        return Response(exc.as_dict(), status=http_status)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            {"code": "invalid", "detail": _("The data is not valid."), "fields": fields},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        detail = _("The data is not valid.")
        if list(fields) == ["non_field_errors"]:
            detail = fields["non_field_errors"][0]
        response.data = {"code": "invalid", "detail": detail, "fields": fields}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else "error",
            "detail": str(exc.detail),
            "fields": {},
        }
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler404`: a URL under /api/ that matches no route (`/api/v1/residents/1.5/`) answers in
    the API's error shape like every other API error; pages keep Django's 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": _("Not found."), "fields": {}}, status=404)
    return error_pages.page_not_found(request, exception)
