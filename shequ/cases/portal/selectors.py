"""The public reads of the resident portal. Nobody is logged in, so nothing here is scoped to a
user: what these return is public by nature (addresses, outlines, category names) or has already
been matched to the reporter by number and phone. They never return people or staff."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from shequ.places.geojson import feature_collection
from shequ.places.models import Area, AreaLevel, Grid, Road
from shequ.registry import selectors as registry_selectors
from shequ.registry.models import Building

from .. import selectors
from ..models import AttachmentKind, Case, CaseAttachment, CaseCategory, CaseEvent

MIN_SEARCH = 2
MAX_RESULTS = 10
# What a resident sees of a case's photos: their own and the unit's proof of handling.
PUBLIC_PHOTO_KINDS = (AttachmentKind.REPORT, AttachmentKind.PROOF)


def buildings() -> QuerySet[Building]:
    """Any building may be reported at; the form keeps only its id, the page only its address."""
    return Building.objects.all()


def buildings_by_address(text: str) -> list[Building]:
    """Buildings whose address, estate or name contains the text: a few, addresses only."""
    text = (text or "").strip()
    if len(text) < MIN_SEARCH:
        return []
    return list(
        Building.objects.filter(Q(address__contains=text) | Q(estate__contains=text) | Q(name__contains=text))
        .only("id", "address")
        .order_by("address", "id")[:MAX_RESULTS]
    )


def boundaries() -> dict[str, Any]:
    """Communities and current grids as GeoJSON (names and outlines only) for the tap-a-point map."""
    communities = Area.objects.filter(level=AreaLevel.COMMUNITY).exclude(boundary=None).order_by("path")
    grids = Grid.objects.filter(end_date__isnull=True).exclude(boundary=None).order_by("path")
    return {
        "communities": feature_collection(communities, kind="community"),
        "grids": feature_collection(grids, kind="grid"),
    }


def base_layer() -> dict[str, Any]:
    """Every building's name and estate and every community's and grid's name, for the picker's
    base map (registry.selectors.base_layer; no links into the staff pages)."""
    return registry_selectors.base_layer(
        Building.objects.all(),
        Area.objects.filter(level=AreaLevel.COMMUNITY),
        Grid.objects.filter(end_date__isnull=True),
        Road.objects.all(),
    )


def category_groups() -> list[tuple[str, list[CaseCategory]]]:
    """The categories a resident may choose (leaves only), grouped under their parent's name."""
    parents = set(
        CaseCategory.objects.filter(active=True, parent__isnull=False).values_list("parent_id", flat=True)
    )
    leaves = [c for c in selectors.public_categories() if c.pk not in parents]

    def head(c: CaseCategory) -> CaseCategory:  # a top-level leaf ("other") is its own group
        return c.parent if c.parent is not None else c

    leaves.sort(key=lambda c: (head(c).sort, head(c).code, c.sort, c.code))
    groups: dict[str, list[CaseCategory]] = {}
    for category in leaves:
        groups.setdefault(head(category).display_name, []).append(category)
    return list(groups.items())


def public_file(case: Case) -> list[CaseEvent]:
    """The events the reporter may read, with only their own and the proof photos attached."""
    photos = CaseAttachment.objects.filter(kind__in=PUBLIC_PHOTO_KINDS).order_by("id")
    return list(
        case.events.filter(public=True)
        .select_related("unit")
        .prefetch_related(Prefetch("attachments", queryset=photos, to_attr="public_photos"))
        .order_by("at", "id")
    )


def public_photo(case: Case, pk: Any) -> CaseAttachment | None:
    try:
        return CaseAttachment.objects.get(
            pk=int(pk), case=case, kind__in=PUBLIC_PHOTO_KINDS, event__public=True
        )
    except (ValueError, TypeError, CaseAttachment.DoesNotExist):
        return None
