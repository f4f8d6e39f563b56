"""Reads of the registry, scoped once here (DESIGN rule 1).

`<entity>_visible_to(user)` returns the scoped queryset; `<entity>_get_for(user, pk)` raises the
same 404 for "missing" and "not yours", so nobody can probe for records outside their scope.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from shequ.accounts.models import RoleAssignment
from shequ.accounts.roles import Perm, Role
from shequ.accounts.scope import Scope, scope_for
from shequ.accounts.selectors import assignable_nodes
from shequ.core import codes, idnumber
from shequ.core.models import CodeTable
from shequ.core.parsing import normalize_phone
from shequ.places import geojson
from shequ.places.models import Area, AreaLevel, Grid, MicroGrid, Road

from . import namegrams, pii
from .models import (
    Building,
    Dwelling,
    Household,
    LastFour,
    LifeEvent,
    Organization,
    Resident,
    ResidentStatus,
    ResidentTag,
    TagType,
)


def places_scope(user: Any) -> Scope:
    return scope_for(user, Perm.VIEW_PLACES)


def residents_scope(user: Any) -> Scope:
    return scope_for(user, Perm.VIEW_RESIDENTS)


def can(user: Any, perm: Perm, obj: Any = None) -> bool:
    scope = scope_for(user, perm)
    if obj is None:
        return not scope.empty
    return scope.covers(getattr(obj, "area_path", None) or getattr(obj, "path", None))


def areas_visible_to(user: Any) -> QuerySet[Area]:
    """Areas in scope, plus the ancestors of the user's nodes so breadcrumbs and names resolve."""
    scope = places_scope(user)
    return Area.objects.filter(scope.q("path") | scope.ancestors_q("path")).select_related("parent")


def grids_visible_to(user: Any) -> QuerySet[Grid]:
    scope = places_scope(user)
    # A grid worker scoped to a micro-grid still sees the grid it belongs to.
    return Grid.objects.filter(scope.q("path") | scope.ancestors_q("path")).select_related("community")


def micro_grids_visible_to(user: Any) -> QuerySet[MicroGrid]:
    return MicroGrid.objects.filter(places_scope(user).q("path")).select_related("grid")


def picker_places(user: Any, kind: str) -> QuerySet[Any]:
    """What the place picker of a list filter offers: the communities, grids or micro-grids in the
    user's places scope (with the community and grid of a narrower scope, as the lists show them)."""
    if kind == "community":
        return areas_visible_to(user).filter(level=AreaLevel.COMMUNITY).select_related("parent")
    if kind == "grid":
        return grids_visible_to(user)
    return micro_grids_visible_to(user)


def case_places(user: Any) -> dict[str, QuerySet[Any]]:
    """Where a case can be placed when no building is picked: a community or a grid in the user's
    places scope, by the tag the report form posts ("community:<pk>", "grid:<pk>")."""
    return {
        "community": areas_visible_to(user).filter(level=AreaLevel.COMMUNITY),
        "grid": grids_visible_to(user),
    }


def tagged_picker_places(user: Any, kind: str) -> dict[str, QuerySet[Any]] | None:
    """The place picker's searches over several kinds at once (places.forms.TaggedPlaceField)."""
    if kind == "case_place":
        return case_places(user)
    if kind == "role_node":
        return assignable_nodes(user)
    return None


def buildings_visible_to(user: Any) -> QuerySet[Building]:
    return Building.objects.filter(places_scope(user).q()).select_related("community", "grid", "micro_grid")


def base_layer(
    buildings: QuerySet[Building],
    communities: QuerySet[Area],
    grids: QuerySet[Grid],
    roads: QuerySet[Road],
    *,
    link: Callable[[int], str] | None = None,
) -> dict[str, Any]:
    """The map's own base layer (ADR 0010): buildings as points with their name and estate (never
    who lives there), road lines with their names, and where to write community and grid names. Four
    queries, whatever the number of buildings."""
    rows = (
        buildings.exclude(latitude=None)
        .exclude(longitude=None)
        .order_by("pk")
        .values_list("pk", "name", "estate", "latitude", "longitude")
    )
    features = []
    for pk, name, estate, lat, lng in rows:
        if lat is None or lng is None:  # excluded above; says so to the type checker
            continue
        properties = {"name": name, "estate": estate}
        if link is not None:
            properties["url"] = link(pk)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lng), float(lat)]},
                "properties": properties,
            }
        )
    areas = geojson.label_points(communities.exclude(boundary=None).order_by("path"), kind="community")
    areas["features"] += geojson.label_points(grids.exclude(boundary=None).order_by("path"), kind="grid")[
        "features"
    ]
    # A road between two communities is stored once for each; it is drawn once.
    lines = {
        (name, json.dumps(line, sort_keys=True)): (name, line)
        for name, line in roads.order_by("area_path", "pk").values_list("name", "line")
    }
    return {
        "buildings": {"type": "FeatureCollection", "features": features},
        "roads": {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": line, "properties": {"name": name}}
                for name, line in lines.values()
            ],
        },
        "areas": areas,
    }


def roads_visible_to(user: Any) -> QuerySet[Road]:
    return Road.objects.filter(places_scope(user).q())


def organizations_visible_to(user: Any) -> QuerySet[Organization]:
    return Organization.objects.filter(places_scope(user).q()).select_related("community", "grid", "building")


def dwellings_visible_to(user: Any) -> QuerySet[Dwelling]:
    return Dwelling.objects.filter(residents_scope(user).q()).select_related("building")


def households_visible_to(user: Any) -> QuerySet[Household]:
    return Household.objects.filter(residents_scope(user).q()).select_related(
        "community", "dwelling__building", "head"
    )


def tag_types_visible_to(user: Any) -> QuerySet[TagType]:
    if scope_for(user, Perm.VIEW_KEY_POPULATIONS).empty:
        return TagType.objects.filter(restricted=False)
    return TagType.objects.all()


def resident_tags_visible_to(user: Any) -> QuerySet[ResidentTag]:
    """Tag links: unrestricted ones within the resident scope, restricted ones only with the right role."""
    open_q = residents_scope(user).q() & Q(tag__restricted=False)
    restricted_q = scope_for(user, Perm.VIEW_KEY_POPULATIONS).q() & Q(tag__restricted=True)
    return ResidentTag.objects.filter(open_q | restricted_q).select_related("tag")


def residents_visible_to(user: Any, *, with_tags: bool = True) -> QuerySet[Resident]:
    qs = Resident.objects.filter(residents_scope(user).q()).select_related(
        "community", "grid", "micro_grid", "household", "dwelling__building"
    )
    if with_tags:
        qs = qs.prefetch_related(
            Prefetch("tag_links", queryset=resident_tags_visible_to(user), to_attr="visible_tags")
        )
    return qs


def _get(qs: QuerySet[Any], pk: Any) -> Any:
    try:
        return qs.get(pk=int(pk))
    except (ValueError, TypeError, qs.model.DoesNotExist) as exc:
        raise Http404 from exc


def resident_get_for(user: Any, pk: Any) -> Resident:
    return _get(residents_visible_to(user), pk)


def household_get_for(user: Any, pk: Any) -> Household:
    return _get(households_visible_to(user), pk)


def building_get_for(user: Any, pk: Any) -> Building:
    return _get(buildings_visible_to(user), pk)


def organization_get_for(user: Any, pk: Any) -> Organization:
    return _get(organizations_visible_to(user), pk)


def grid_get_for(user: Any, pk: Any) -> Grid:
    return _get(grids_visible_to(user), pk)


def area_get_for(user: Any, pk: Any) -> Area:
    return _get(areas_visible_to(user), pk)


def grid_team(grid: Grid) -> QuerySet[RoleAssignment]:
    """Who works the grid: the roles held at it, and the building leaders at its micro-grids
    (residents who signed up there are not its team)."""
    return (
        RoleAssignment.objects.filter(Q(grid=grid) | Q(micro_grid__grid=grid), user__is_active=True)
        .exclude(role=Role.RESIDENT)
        .select_related("user", "micro_grid")
        .order_by("micro_grid__code", "role", "user__full_name")
    )


def under(path: str, field: str = "area_path") -> Q:
    """Rows at `path` or below it (a grid's own rows and its micro-grids')."""
    return Q(**{field: path}) | Q(**{f"{field}__startswith": f"{path}."})


def life_events_visible_to(user: Any) -> QuerySet[LifeEvent]:
    return LifeEvent.objects.filter(residents_scope(user).q()).select_related("recorded_by")


# --- search -----------------------------------------------------------------------------------

_LETTERS = re.compile(r"^[a-zA-Z]+$")
_DIGITS = re.compile(r"^\d+$")
_FEW_BUILDINGS = 500  # building ids passed as values rather than a subquery
_LAST_FOUR = re.compile(r"^\d{3}[\dXx]$")  # an ID number may end in X


def search_residents(qs: QuerySet[Resident], text: str) -> QuerySet[Resident]:
    """One box for everything a worker types: a name, its pinyin or initials (张伟 ← zw, zhangwei),
    an ID number (exact, through the keyed digest), a phone number (exact) or its last four
    digits, or part of an address."""
    text = (text or "").strip()
    if not text:
        return qs
    compact = idnumber.normalize(text)
    if len(compact) in (15, 18) and compact[:-1].isdigit():
        return qs.filter(id_number_digest=pii.id_digest(compact))
    phone = normalize_phone(text)
    if _DIGITS.match(phone) and len(phone) >= 7:
        return qs.filter(phone_digest=pii.phone_digest(phone))
    if _LAST_FOUR.match(text):
        text = text.upper()
        # The last four characters, found through the expression indexes on both columns
        # (registry_resident_phone4 / _id4) instead of a LIKE '%1234' that reads every row; as a
        # subquery, so the database does not walk the whole scope in list order to find them.
        matches = Resident.objects.alias(
            phone4=LastFour("phone_masked"), id4=LastFour("id_number_masked")
        ).filter(Q(phone4=text) | Q(id4=text))
        return qs.filter(pk__in=matches.values("pk"))
    if _LETTERS.match(text.replace(" ", "")):  # "zw", "zhangwei" or "zhang wei"
        low = text.replace(" ", "").lower()
        # Each arm is read through its own index and the arms are joined as one set of ids: an OR of
        # the three conditions would be checked on every resident in scope.
        arms = _ids(Resident.objects.filter(_starts_with("name_initials", low))).union(
            _ids(Resident.objects.filter(_starts_with("name_pinyin", low))),
            _ids(_names_containing(text, ignore_case=True)),
        )
        return qs.filter(pk__in=arms)
    # Addresses are matched among the buildings (tens of thousands of rows, not a million) and
    # joined back by dwelling; names through the name index; the two as one set of ids.
    matching = Building.objects.filter(Q(address__contains=text) | Q(estate__contains=text)).values("pk")
    if len(text) == 1:
        # One character (王) is in a tenth of a city's names: the index would hand over 100,000 ids
        # to keep a community's 300, so the scope itself is read (a community: a few thousand rows).
        at_address = Resident.objects.filter(dwelling__building__in=matching)
        return qs.filter(Q(name__contains=text) | Q(pk__in=_ids(at_address)))
    # The buildings are matched once, here, when they are few: as a subquery the count and the page
    # would each scan them again, and a name typed in the box matches no address almost every time.
    buildings = list(matching.values_list("pk", flat=True)[: _FEW_BUILDINGS + 1])
    if not buildings:
        return qs.filter(pk__in=_ids(_names_containing(text)))
    if len(buildings) <= _FEW_BUILDINGS:
        at_address = Resident.objects.filter(dwelling__building__in=buildings)
    else:
        at_address = Resident.objects.filter(dwelling__building__in=matching)
    return qs.filter(pk__in=_ids(_names_containing(text)).union(_ids(at_address)))


def _ids(qs: QuerySet[Resident]) -> QuerySet[Resident, Any]:
    """The residents' ids alone, unordered: one arm of a UNION."""
    return qs.order_by().values("pk")


def _names_containing(text: str, *, ignore_case: bool = False) -> QuerySet[Resident]:
    """Residents whose name contains `text` (伟 finds 张伟), matched as before (`contains`, or
    `icontains` for Latin names typed in the pinyin box) but only among the residents the name
    index gives for the text's first two characters, instead of every resident in scope."""
    lookup = "name__icontains" if ignore_case else "name__contains"
    return Resident.objects.filter(pk__in=namegrams.holding(text), **{lookup: text})


def _starts_with(field: str, prefix: str) -> Q:
    """`field` starts with `prefix` (lower-case ASCII letters), in a form the field's index serves.
    PostgreSQL answers LIKE 'zw%' from the varchar_pattern_ops index Django adds; SQLite's LIKE
    ignores case and so cannot use a plain index: there the same rows are a range ('zw' <= x < 'zx'),
    as the pinyin keys are stored in lower case."""
    if connection.vendor != "sqlite":
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix[:-1] + chr(ord(prefix[-1]) + 1)})


AGE_BANDS = {
    "0-6": (0, 6),
    "7-17": (7, 17),
    "18-34": (18, 34),
    "35-59": (35, 59),
    "60-79": (60, 79),
    "80+": (80, 200),
}


def filter_by_age_band(
    qs: QuerySet[Resident], band: str, *, today: dt.date | None = None
) -> QuerySet[Resident]:
    if band not in AGE_BANDS:
        return qs
    low, high = AGE_BANDS[band]
    today = today or dt.date.today()  # noqa: DTZ011
    oldest = _years_before(today, high + 1) + dt.timedelta(days=1)
    youngest = _years_before(today, low)
    return qs.filter(birth_date__gte=oldest, birth_date__lte=youngest)


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier; 29 February becomes 28 February in a common year
    (someone born on 28 February 2010 turns 18 on 29 February 2028)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# --- the portal: a resident's own household ------------------------------------------------------


@dataclass(frozen=True)
class HouseholdCard:
    """What a resident signed in to the portal sees of their own household: public information only
    (no ID or phone numbers, no tags), so nothing here needs masking or a reveal."""

    resident_name: str
    community: str
    number: str  # "" when the resident is not registered in a household
    address: str
    members: list[tuple[str, str]]  # (name, relation to the head), the head first


def household_card_for_login(user: Any) -> HouseholdCard | None:
    """The household of the registry record linked to `user` (services.link_login), or None when
    the login is linked to no record."""
    if not getattr(user, "is_authenticated", False):
        return None
    resident = (
        Resident.objects.filter(login=user)
        .select_related("community", "household__dwelling__building", "dwelling__building")
        .first()
    )
    if resident is None:
        return None
    household = resident.household
    dwelling = (household.dwelling if household else None) or resident.dwelling
    members: list[tuple[str, str]] = []
    if household is not None:
        rows = household.members.filter(status=ResidentStatus.ACTIVE).order_by(
            "relation_to_head", "birth_date"
        )
        members = [
            (
                m.name,
                codes.display_label(CodeTable.RELATIONSHIP, m.relation_to_head) if m.relation_to_head else "",
            )
            for m in rows.only("name", "relation_to_head")
        ]
    return HouseholdCard(
        resident_name=resident.name,
        community=resident.community.name,
        number=household.number if household is not None else "",
        address=str(dwelling) if dwelling is not None else "",
        members=members,
    )
