"""Reporting a case (信息收集) from any channel, and the warnings a new report can raise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_for
from shequ.accounts.typing import Actor, person
from shequ.core import sealed
from shequ.core.actors import System, refuse_missing_actor
from shequ.core.errors import RuleError
from shequ.core.parsing import is_valid_phone, normalize_phone
from shequ.places.geo import grid_at
from shequ.places.models import Area, AreaLevel, Grid
from shequ.registry.models import Building

from .. import clock, photos, selectors
from ..models import (
    AttachmentKind,
    Case,
    CaseCategory,
    CaseStatus,
    CaseWarning,
    DailyCounter,
    EventAction,
    Open311Client,
    Source,
    Stage,
    Urgency,
)
from .common import log, now, optional_text

# Sources typed in by staff, who report within their own scope; residents and clients report anywhere.
STAFF_SOURCES = (Source.GRID, Source.WINDOW, Source.HOTLINE)


def next_number(day: dt.date) -> str:
    """Case numbers read as the day plus a sequence (202611230007), unique under concurrent reports."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                counter, _created = DailyCounter.objects.select_for_update().get_or_create(day=day)
                counter.last += 1
                counter.save(update_fields=["last"])
                return f"{day:%Y%m%d}{counter.last:04d}"
        except IntegrityError:  # two first reports of the day raced to create the counter
            continue
    raise RuleError("busy", _("The system is busy; please try again."))


def _field_error(field: str, message: Any) -> RuleError:
    return RuleError("invalid", message, fields={field: [message]})


def _coordinate(value: Any, field: str, low: float, high: float) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as exc:
        raise _field_error(field, _("Not a number.")) from exc
    if not (low <= float(number) <= high):
        raise _field_error(field, _("Out of range."))
    return number


def locate(
    *,
    community: Area | None = None,
    grid: Grid | None = None,
    building: Building | None = None,
    latitude: Any = None,
    longitude: Any = None,
) -> dict[str, Any]:
    """Place a report: a building gives everything; a point finds its grid (or a building near it);
    a grid or community alone is enough. A place outside the county's map is refused."""
    lat = _coordinate(latitude, "lat", -90, 90)
    lon = _coordinate(longitude, "long", -180, 180)
    if (lat is None) != (lon is None):
        raise _field_error("lat", _("Give both latitude and longitude, or neither."))
    if building is not None:
        grid = building.grid or grid
        community = building.community
        if lat is None and building.latitude is not None:
            lat, lon = building.latitude, building.longitude
    elif lat is not None and lon is not None and grid is None and community is None:
        grid = grid_at(float(lat), float(lon))
        if grid is None:
            near = selectors.building_near(float(lat), float(lon))
            if near is not None:
                grid, community = near.grid, near.community
    if grid is not None:
        community = grid.community
    if community is None or community.level != AreaLevel.COMMUNITY:
        message = _("Choose a building or a point on the map inside the area we serve.")
        raise RuleError("unknown_location", message, fields={"location": [message]})
    path = grid.path if grid is not None else community.path
    if building is not None and building.area_path.startswith(f"{path}."):
        # The deepest place known (the building's micro-grid), so its building leader's scope holds it.
        path = building.area_path
    return {
        "community": community,
        "grid": grid,
        "building": building,
        "latitude": lat,
        "longitude": lon,
        "area_path": path,
    }


@transaction.atomic
def report_case(
    *,
    by: Actor,
    category: CaseCategory,
    description: str,
    source: str,
    community: Area | None = None,
    grid: Grid | None = None,
    building: Building | None = None,
    latitude: Any = None,
    longitude: Any = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    urgency: str = Urgency.NORMAL,
    photo_files: list[Any] | None = None,
    reported_at: dt.datetime | None = None,
    external_id: str = "",
    open311_client: Open311Client | None = None,
) -> Case:
    """Open a case file. Residents must leave a phone number: it is how they follow the case."""
    refuse_missing_actor(by)
    errors: dict[str, list[Any]] = {}
    text = (description or "").strip()
    if len(text) < 5:
        errors["description"] = [_("Describe the problem in at least 5 characters.")]
    elif len(text) > 2000:
        errors["description"] = [_("At most 2,000 characters.")]
    if not category.active or category.children.filter(active=True).exists():
        errors["category"] = [_("Choose a specific category.")]
    elif source in (Source.PORTAL, Source.OPEN311) and not category.public:
        errors["category"] = [_("This category cannot be reported by residents.")]
    phone = normalize_phone(reporter_phone)
    if reporter_phone and not is_valid_phone(phone):
        errors["reporter_phone"] = [_("Not a valid phone number.")]
    elif source == Source.PORTAL and not phone and getattr(by, "pk", None) is None:
        errors["reporter_phone"] = [_("Leave a phone number so you can follow the case.")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Unknown urgency.")]
    if source not in Source.values:
        errors["source"] = [_("Unknown source.")]
    if len(reporter_name) > 64:
        errors["reporter_name"] = [_("At most 64 characters.")]
    if errors:
        raise RuleError("invalid", _("Please correct the marked fields."), fields=errors)
    place = locate(community=community, grid=grid, building=building, latitude=latitude, longitude=longitude)
    if (
        source in STAFF_SOURCES
        and not isinstance(by, System)
        and not scope_for(by, Perm.REPORT_CASES).covers(place["area_path"])
    ):
        raise RuleError("forbidden", _("You may only report cases in your own area."))
    checked_photos = photos.prepare(photo_files)
    when = now()
    reported = reported_at or when
    if timezone.is_naive(reported) or reported > when + dt.timedelta(minutes=5):
        raise _field_error("reported_at", _("The report time cannot be in the future."))
    case = Case(
        number=next_number(timezone.localdate(reported)),
        category=category,
        description=text,
        urgency=urgency,
        source=source,
        status=CaseStatus.REPORTED,
        address=optional_text(address, "address")[:200]
        or (building.address if building is not None else place["community"].name),
        reporter=person(by),
        reporter_name=(reporter_name or "").strip() or (str(by) if getattr(by, "pk", None) else ""),
        open311_client=open311_client,
        external_id=(external_id or "")[:64],
        reported_at=reported,
        **place,
    )
    if phone:
        sealed.assign(case, "reporter_phone", sealed.seal_for(Case, "reporter_phone", phone))
    clock.start(case, Stage.ACCEPT, reported)
    case.save()
    event = log(
        case,
        EventAction.REPORT,
        by=by,
        comment=text,
        public=True,
        at=reported,
        data={"source": source},
        note_for_reporter=_("Received; waiting to be accepted."),
    )
    photos.store(case, event, checked_photos, AttachmentKind.REPORT)
    raise_hot_spots(case)
    return case


def raise_hot_spots(case: Case) -> list[CaseWarning]:
    """A building or grid with N cases of one category in 30 days (both settings) is a hot spot:
    one open warning per place and category, kept up to date as cases keep coming."""
    since = case.reported_at - dt.timedelta(days=settings.SHEQU_CASE_HOTSPOT_DAYS)
    raised = []
    recent = Case.objects.filter(category_id=case.category_id, reported_at__gte=since).exclude(
        status__in=[CaseStatus.REFUSED, CaseStatus.MERGED]
    )
    places: list[tuple[str, Any]] = [("building", case.building), ("grid", case.grid)]
    for field, place in places:
        if place is None:
            continue
        count = recent.filter(**{field: place}).count()
        if count < settings.SHEQU_CASE_HOTSPOT_COUNT:
            continue
        warning = CaseWarning.objects.filter(
            category_id=case.category_id, acknowledged_at=None, **{field: place}
        ).first()
        if warning is None:
            warning = CaseWarning(
                category=case.category,
                community=case.community,
                grid=case.grid if field == "grid" else None,
                building=place if field == "building" else None,
                area_path=case.area_path,
                window_days=settings.SHEQU_CASE_HOTSPOT_DAYS,
            )
        warning.case_count = count
        warning.last_case = case
        warning.save()
        raised.append(warning)
    return raised
