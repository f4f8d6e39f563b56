"""Cases as Open311 services and service requests: what is offered, what the public may read, and
how a request's filters are read.

What the public reads about a case is chosen field by field below; the reporter's name and phone
are never among them, and phone or ID numbers typed into free text are masked (DESIGN rule 2).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from shequ.core.masking import mask_numbers_in_text

from .. import selectors
from ..models import AttachmentKind, Case, CaseAttachment, CaseCategory, CaseStatus
from .render import Open311Error

# Open311 knows two statuses. "Closed" means resolved for the reporter: the unit's work passed
# verification (awaiting the reporter's evaluation counts), or the case was refused or merged.
CLOSED_STATUSES = (CaseStatus.TO_EVALUATE, CaseStatus.CLOSED, CaseStatus.REFUSED, CaseStatus.MERGED)
# The spec's response volume: a span of 90 days or the first 1,000 requests, whichever is smaller.
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
# The public list shows a case only once a worker has taken it on (not waiting, refused or merged
# into another), and only in a category marked published (docs/security.md).
UNPUBLISHED_STATUSES = (CaseStatus.REPORTED, CaseStatus.REFUSED, CaseStatus.MERGED)
# A point without a building is published to three decimals, about 100 m: the road, not the door.
COARSE_PLACES = Decimal("0.001")
# What a case outside the public list still answers by its number (for its reporter): the status,
# the staff's note to the reporter and the times, nothing the reporter wrote or where.
UNPUBLISHED_FIELDS = (
    "description",
    "agency_responsible",
    "address",
    "address_id",
    "lat",
    "long",
    "media_url",
)
MEDIA_SALT = "shequ.cases.open311.media"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

_LOST_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def offered_services() -> QuerySet[CaseCategory]:
    """Services are the categories residents may report that have no active sub-category: the
    same rule report_case applies, so every service offered can be posted."""
    active_children = CaseCategory.objects.filter(parent=OuterRef("pk"), active=True)
    return selectors.public_categories().exclude(Exists(active_children))


def service_as_dict(category: CaseCategory) -> dict[str, Any]:
    group = category.parent.name if category.parent else ""
    keywords = [category.name, group, *category.code.split(".")]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(k for k in dict.fromkeys(keywords) if k),
        "group": group,
    }


def public_cases() -> QuerySet[Case]:
    """Every case in a category residents may report, whoever reported it, with what one request
    shows loaded in two queries whatever the number of cases."""
    photos = CaseAttachment.objects.filter(kind=AttachmentKind.REPORT).order_by("id")
    return (
        Case.objects.filter(category__public=True)
        .select_related("category", "lead_unit", "building")
        .prefetch_related(Prefetch("attachments", queryset=photos, to_attr="report_photos"))
        .order_by("-reported_at", "-id")
    )


def published_cases() -> QuerySet[Case]:
    """What anyone may list: accepted cases in published categories."""
    return public_cases().filter(category__published=True).exclude(status__in=UNPUBLISHED_STATUSES)


def is_published(case: Case) -> bool:
    return case.category.published and case.status not in UNPUBLISHED_STATUSES


def _coarse(value: Decimal | None) -> float | None:
    return float(value.quantize(COARSE_PLACES)) if value is not None else None


def public_place(case: Case) -> dict[str, Any]:
    """Where, to the building or the road and never the flat: the building's standard address and
    point when the case has one, otherwise no address (the typed one may name a flat) and the
    point rounded to about 100 m."""
    building = case.building
    if building is not None:
        lat = building.latitude if building.latitude is not None else case.latitude
        long = building.longitude if building.longitude is not None else case.longitude
        return {
            "address": building.address,
            "address_id": building.code,
            "zipcode": None,
            "lat": _coarse(lat),
            "long": _coarse(long),
        }
    return {
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": _coarse(case.latitude),
        "long": _coarse(case.longitude),
    }


def redact(text: str) -> str:
    """Mask mobile and ID numbers a reporter or worker typed into free text."""
    return mask_numbers_in_text(text)


def w3(value: dt.datetime | None) -> str | None:
    """W3C datetime with the offset, e.g. 2026-11-23T09:30:00+08:00."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def open311_status(case: Case) -> str:
    return "closed" if case.status in CLOSED_STATUSES else "open"


def request_as_dict(case: Case, request: HttpRequest) -> dict[str, Any]:
    """A published case in full (numbers masked, place coarsened); any other case, which only its
    reporter asks for by number, as its status, the staff's note to the reporter and times alone."""
    closed = open311_status(case) == "closed"
    updated = (case.closed_at or case.resolved_at or case.updated_at) if closed else case.updated_at
    body = {
        "service_request_id": case.number,
        "status": open311_status(case),
        "status_notes": redact(case.status_notes),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": redact(case.description),
        "agency_responsible": case.lead_unit.name if case.lead_unit else None,
        "service_notice": str(case.get_status_display()),
        "requested_datetime": w3(case.reported_at),
        "updated_datetime": w3(updated),
        "expected_datetime": w3(case.due_at),  # the running stage's deadline; none when stopped
        **public_place(case),
        "media_url": media_url(case, request),
    }
    if not is_published(case):
        body.update(dict.fromkeys(UNPUBLISHED_FIELDS))
    return body


# --- photos --------------------------------------------------------------------------------------


def media_url(case: Case, request: HttpRequest) -> str | None:
    """An absolute URL to the first report photo, signed so it cannot be guessed from an id, and
    good for SHEQU_SIGNED_URL_MAX_AGE seconds (a copied link stops working)."""
    photos: list[CaseAttachment] = getattr(case, "report_photos", [])
    if not photos or not is_published(case):
        return None
    photo = photos[0]
    signed = signing.TimestampSigner(salt=MEDIA_SALT).sign(str(photo.pk))
    ext = EXTENSIONS.get(photo.content_type, "jpg")
    return request.build_absolute_uri(reverse("open311:media", args=[signed, ext]))


def photo_for(signed: str) -> CaseAttachment | None:
    """The report photo a signed URL names, if it may still be shown."""
    try:
        pk = int(
            signing.TimestampSigner(salt=MEDIA_SALT).unsign(signed, max_age=settings.SHEQU_SIGNED_URL_MAX_AGE)
        )
    except (signing.BadSignature, ValueError):
        return None
    return (
        CaseAttachment.objects.filter(
            pk=pk, kind=AttachmentKind.REPORT, case__category__public=True, case__category__published=True
        )
        .exclude(case__status__in=UNPUBLISHED_STATUSES)
        .first()
    )


# --- filters of GET requests ---------------------------------------------------------------------


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def parse_moment(value: str, name: str) -> dt.datetime:
    """A w3 datetime (an offset or Z is expected; without one, local time is assumed), or a date."""
    # A "+08:00" sent unencoded in a query string arrives as " 08:00".
    value = _LOST_PLUS.sub(r"\1+\2", value)
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is not None:
                moment = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s is not a w3 datetime such as 2026-01-01T00:00:00+08:00.") % {"name": name},
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def date_range(start: str | None, end: str | None) -> tuple[dt.datetime, dt.datetime]:
    """The requested range of requested_datetime: the last 90 days unless given, never wider."""
    span = dt.timedelta(days=DEFAULT_DAYS)
    start_at = parse_moment(start, "start_date") if start else None
    end_at = parse_moment(end, "end_date") if end else None
    if start_at is None:
        end_at = end_at or timezone.now()
        start_at = end_at - span
    elif end_at is None:
        end_at = start_at + span
    if end_at < start_at:
        raise Open311Error(400, _("end_date is before start_date."))
    if end_at - start_at > span:
        raise Open311Error(
            400, _("start_date and end_date may not span more than %(days)d days.") % {"days": DEFAULT_DAYS}
        )
    return start_at, end_at


def filter_requests(cases: QuerySet[Case], params: dict[str, str]) -> QuerySet[Case]:
    """GET requests' filters as the spec defines them: service_request_id overrides every other."""
    numbers = _split(params.get("service_request_id"))
    if numbers:
        return cases.filter(number__in=numbers[:MAX_REQUESTS])
    codes = _split(params.get("service_code"))
    if codes:
        cases = cases.filter(category__code__in=codes)
    statuses = set(_split(params.get("status")))
    unknown = statuses - {"open", "closed"}
    if unknown:
        raise Open311Error(
            400,
            _("Unknown status %(status)s: use open or closed.") % {"status": ", ".join(sorted(unknown))},
        )
    if statuses == {"open"}:
        cases = cases.exclude(status__in=CLOSED_STATUSES)
    elif statuses == {"closed"}:
        cases = cases.filter(status__in=CLOSED_STATUSES)
    start, end = date_range(params.get("start_date"), params.get("end_date"))
    return cases.filter(reported_at__gte=start, reported_at__lte=end)
