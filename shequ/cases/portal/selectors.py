"""The public reads of the resident portal. Nobody is logged in, so nothing here is scoped to a
user: what these return is public by nature (addresses, outlines, category names) or has already
been matched to the reporter by number and phone. They never return people or staff."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from shequ.registry.geojson import feature_collection
from shequ.registry.models import Area, AreaLevel, Building, Grid

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


def category_groups() -> list[tuple[str, list[CaseCategory]]]:
    """The categories a resident may choose (leaves only), grouped under their parent's name."""
    parents = set(
        CaseCategory.objects.filter(active=True, parent__isnull=False).values_list("parent_id", flat=True)
    )
    groups: dict[str, list[CaseCategory]] = {}
    for category in selectors.public_categories().order_by("parent__sort", "parent__code", "sort", "code"):
        if category.pk in parents:
            continue
        name = category.parent.name if category.parent is not None else category.name
        groups.setdefault(name, []).append(category)
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
