"""The GeoReport v2 endpoints. Each reads its parameters, calls a case service or a read in
`service_requests`, and answers in the format the URL names (.json or .xml).

Reads need no key, as the spec allows. Posting a request needs an API key
(`manage.py create_open311_key`) instead of a session, so no CSRF token is involved. Bad input of any
kind is an Open311 error body with 400, 403 or 404, never a 500.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.http import FileResponse, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.core.text import clean_text
from shequ.registry.models import Building

from .. import services
from ..models import Case, CaseCategory, Source
from .render import FORMATS, Open311Error, negotiate, render, render_error
from .service_requests import (
    EXTENSIONS,
    MAX_REQUESTS,
    filter_requests,
    offered_services,
    photo_for,
    public_cases,
    published_cases,
    request_as_dict,
    service_as_dict,
    w3,
)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
Params = dict[str, str]
Body = tuple[Any, str]  # the data and the name of its XML root
Handler = Callable[..., Body]
MULTILINE_PARAMS = {"description"}

# report_case's field names as the Open311 parameters a client sent.
PARAMS_OF_FIELDS = {
    "description": "description",
    "reporter_phone": "phone",
    "reporter_name": "first_name/last_name",
    "lat": "lat",
    "long": "long",
    "location": "location (lat/long, address_string or address_id)",
    "category": "service_code",
    "address": "address_string",
}


def endpoint(*methods: str) -> Callable[[Handler], Callable[..., HttpResponse]]:
    """Format, method and jurisdiction checks, and the error body, shared by every endpoint."""

    def decorate(handler: Handler) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest, fmt: str | None = None, **kwargs: Any) -> HttpResponse:
            known = fmt is not None and fmt.lower() in FORMATS
            out = fmt.lower() if fmt is not None and known else negotiate(request)
            try:
                if fmt is not None and not known:
                    raise Open311Error(404, _("Unknown format “%(fmt)s”: use .json or .xml.") % {"fmt": fmt})
                allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)
                if request.method not in allowed:
                    raise Open311Error(
                        405,
                        _("Method %(method)s is not allowed here.") % {"method": request.method},
                        headers={"Allow": ", ".join(methods)},
                    )
                params = _params(request)
                _check_jurisdiction(params)
                data, root = handler(request, params, **kwargs)
                return render(data, root, out)
            except Open311Error as error:
                return render_error(error, out)
            except RuleError as error:
                return render_error(_from_rule(error), out)

        return view

    return decorate


def _params(request: HttpRequest) -> Params:
    """Query and form parameters, the body's winning, as `clean_text` leaves them (DESIGN rule 10);
    an empty parameter counts as not sent."""
    try:
        body = request.POST.dict() if request.method == "POST" else {}
        values = {**request.GET.dict(), **body}
    except (SuspiciousOperation, MultiPartParserError, UnreadablePostError) as exc:
        raise Open311Error(400, _("The request body could not be read.")) from exc
    cleaned = {
        key: clean_text(value, multiline=key in MULTILINE_PARAMS).strip() for key, value in values.items()
    }
    return {key: value for key, value in cleaned.items() if value}


def _check_jurisdiction(params: Params) -> None:
    """One endpoint serves one jurisdiction, so the parameter is optional, but a wrong one is refused."""
    given = params.get("jurisdiction_id")
    ours = settings.SHEQU_OPEN311_JURISDICTION
    if given is not None and given != ours:
        raise Open311Error(
            404,
            _("jurisdiction_id “%(given)s” was not found; this endpoint serves %(ours)s.")
            % {"given": given, "ours": ours},
        )


def _from_rule(error: RuleError) -> Open311Error:
    status = 403 if error.code == "forbidden" else 400
    if not error.fields:
        return Open311Error(status, error.message)
    descriptions = [
        f"{PARAMS_OF_FIELDS.get(field, field)}: {message}"
        for field, messages in error.fields.items()
        for message in messages
    ]
    return Open311Error(status, *descriptions)


# --- discovery and services ----------------------------------------------------------------------


@endpoint("GET")
def discovery(request: HttpRequest, params: Params) -> Body:
    # The changeset moves whenever a category (a service) is changed: clients refresh their lists.
    changed = CaseCategory.objects.aggregate(last=Max("updated_at"))["last"]
    changeset = w3(changed) or ""
    url = request.build_absolute_uri(reverse("open311:root")).rstrip("/")
    return {
        "changeset": changeset,
        "contact": _("Contact the county's community governance office."),
        "key_service": _(
            "Ask the county's system administrator for an API key (manage.py create_open311_key NAME)."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": changeset,
                "type": "test" if settings.DEBUG else "production",
                "formats": [FORMATS["xml"].split(";")[0], FORMATS["json"].split(";")[0]],
            }
        ],
    }, "discovery"


@endpoint("GET")
def service_list(request: HttpRequest, params: Params) -> Body:
    return [service_as_dict(category) for category in offered_services()], "services"


@endpoint("GET")
def service_definition(request: HttpRequest, params: Params, service_code: str) -> Body:
    category = _service(service_code)
    return {"service_code": category.code, "attributes": []}, "service_definition"


def _service(code: str | None) -> CaseCategory:
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = offered_services().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("service_code “%(code)s” was not found.") % {"code": code})
    return category


# --- service requests ----------------------------------------------------------------------------


@endpoint("GET", "POST")
def service_requests(request: HttpRequest, params: Params) -> Body:
    if request.method == "POST":
        return _post_request(params)
    cases = filter_requests(published_cases(), params)[:MAX_REQUESTS]
    return [request_as_dict(case, request) for case in cases], "service_requests"


@endpoint("GET")
def service_request(request: HttpRequest, params: Params, service_request_id: str) -> Body:
    case = public_cases().filter(number=service_request_id).first()
    if case is None:
        raise Open311Error(404, _("service_request_id “%(id)s” was not found.") % {"id": service_request_id})
    return [request_as_dict(case, request)], "service_requests"


@endpoint("GET")
def token(request: HttpRequest, params: Params, token_id: str) -> Body:
    value: uuid.UUID | None
    try:
        value = uuid.UUID(token_id)
    except ValueError:
        value = None
    number = Case.objects.filter(token=value).values_list("number", flat=True).first() if value else None
    if number is None:
        raise Open311Error(404, _("token “%(token)s” was not found.") % {"token": token_id})
    return [{"service_request_id": number, "token": token_id}], "service_requests"


def _post_request(params: Params) -> Body:
    """POST Service Request: the key first (403), then the service (404), then everything else (400)."""
    if "api_key" not in params:
        raise Open311Error(403, _("api_key is missing: posting a request needs a key from the county."))
    client = services.use_open311_key(params["api_key"])
    if client is None:
        raise Open311Error(403, _("Invalid api_key: it is unknown or has been switched off."))
    category = _service(params.get("service_code"))
    building = _building(params)
    media_url = _media_url(params.get("media_url"))
    with transaction.atomic():
        case = services.report_case(
            by=System("open311"),
            source=Source.OPEN311,
            open311_client=client,
            category=category,
            description=params.get("description", ""),
            building=building,
            latitude=params.get("lat"),
            longitude=params.get("long"),
            address=params.get("address_string", ""),
            reporter_name=_reporter_name(params),
            reporter_phone=params.get("phone", ""),
        )
        if media_url:
            # Kept as a link on the file for the desk to open; we never fetch what a client points at.
            services.comment_case(
                case,
                by=System("open311"),
                note=_("Media sent by the Open311 client %(client)s (not downloaded): %(url)s")
                % {"client": client.name, "url": media_url},
            )
    notice = _("Received as case %(number)s; it will be reviewed by %(due)s.") % {
        "number": case.number,
        "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M") if case.due_at else "—",
    }
    created = {
        "service_request_id": case.number,
        "token": str(case.token),
        "service_notice": notice,
        "account_id": params.get("account_id"),
    }
    return [created], "service_requests"


def _building(params: Params) -> Building | None:
    """address_id is one of our building codes; an address_string alone must be a standard address,
    since we cannot place free text on the map. A point (lat/long) is placed by report_case."""
    address_id = params.get("address_id")
    if address_id:
        building = Building.objects.select_related("community", "grid").filter(code=address_id).first()
        if building is None:
            raise Open311Error(
                400, _("address_id “%(id)s” is not a building code we know.") % {"id": address_id}
            )
        return building
    if "lat" in params or "long" in params:
        return None
    address = params.get("address_string")
    if not address:
        raise Open311Error(400, _("A location is required: lat and long, address_string or address_id."))
    building = Building.objects.select_related("community", "grid").filter(address=address).first()
    if building is None:
        raise Open311Error(
            400,
            _(
                "address_string “%(address)s” is not a standard address we know; send lat and long or address_id."
            )
            % {"address": address[:200]},
        )
    return building


def _media_url(value: str | None) -> str:
    if not value:
        return ""
    message = _("media_url must be an http or https URL of at most 1,000 characters.")
    if len(value) > 1000:
        raise Open311Error(400, message)
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError as exc:
        raise Open311Error(400, message) from exc
    return value


def _reporter_name(params: Params) -> str:
    """Chinese names are written family name first; Latin ones given name first."""
    first, last = params.get("first_name", ""), params.get("last_name", "")
    if first.isascii() and last.isascii():
        return " ".join(part for part in (first, last) if part)
    return f"{last}{first}"


# --- the rest ------------------------------------------------------------------------------------


@csrf_exempt
def media(request: HttpRequest, signed: str, ext: str) -> HttpResponseBase:
    """The first report photo of a public request, behind an unguessable signed URL."""
    if request.method not in ("GET", "HEAD"):
        error = Open311Error(405, _("Method %(method)s is not allowed here.") % {"method": request.method})
        error.headers["Allow"] = "GET"
        return render_error(error, negotiate(request))
    photo = photo_for(signed)
    if photo is not None and EXTENSIONS.get(photo.content_type) == ext:
        try:
            response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
        except OSError:
            response = None
        if response is not None:
            response["Cache-Control"] = f"private, max-age={min(3600, settings.SHEQU_SIGNED_URL_MAX_AGE)}"
            return response
    return render_error(Open311Error(404, _("No such photo.")), negotiate(request))


@csrf_exempt
def not_found(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Anything else under /open311/v2/ is an Open311 404, whatever the method."""
    error = Open311Error(
        404,
        _("No such Open311 resource; start from %(url)s.")
        % {"url": request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "xml"}))},
    )
    return render_error(error, negotiate(request))
