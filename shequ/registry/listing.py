"""The API's resident list, read flat.

Through `ResidentSerializer`, a page of 50 residents builds about 350 model instances (each
resident with its community, grid, micro-grid, household, dwelling and building, the areas' and
grids' GeoJSON boundaries parsed on the way) and walks DRF's nested fields for every one of them:
nine tenths of a list request. The list reads only the columns it shows, with `values()`, and
builds the same JSON by hand. `ResidentSerializer` stays the contract: it documents the schema,
serves the detail and the writes, and tests/test_listing.py holds these rows equal to its output.

Nothing is kept between requests but the code tables (`core.codes`, cached per process already).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet, TextChoices
from django.utils import timezone
from rest_framework import serializers

from shequ.core import codes
from shequ.core.models import CodeTable

from . import selectors
from .models import IdType, ResidenceType, Resident, ResidentStatus

COLUMNS = (
    "id",
    "name",
    "gender",
    "birth_date",
    "id_type",
    "id_number_masked",
    "phone_masked",
    "ethnicity",
    "political_status",
    "education",
    "marital_status",
    "residence_type",
    "status",
    "community_id",
    "community__code",
    "community__name",
    "grid_id",
    "grid__code",
    "grid__name",
    "micro_grid_id",
    "micro_grid__code",
    "micro_grid__name",
    "household_id",
    "household__number",
    "relation_to_head",
    "dwelling_id",
    "dwelling__unit",
    "dwelling__room",
    "dwelling__building_id",
    "dwelling__building__address",
    "hukou_address",
    "workplace",
    "notes",
    "created_at",
    "updated_at",
)
TAG_COLUMNS = ("resident_id", "tag__code", "tag__name", "tag__group", "tag__restricted", "since", "note")

# DRF's own field for dates, so the text is exactly the serializer's (times: `_datetime`).
_DATE = serializers.DateField()


def resident_ids(residents: QuerySet[Resident]) -> QuerySet[Any]:
    """The ids of `residents` (a scoped, filtered queryset) in its order: what the list pages.

    Counting and paging the ids alone keeps the joins out of the `COUNT(*)` and out of the
    `OFFSET` of a deep page; the columns are then read for the page's 50 ids only.
    """
    return residents.select_related(None).prefetch_related(None).values_list("pk", flat=True)


def resident_rows(ids: Iterable[int], *, user: Any) -> list[dict[str, Any]]:
    """`ResidentSerializer(many=True).data` for the residents `ids`, in that order."""
    ids = list(ids)
    by_id = {row["id"]: row for row in Resident.objects.filter(pk__in=ids).order_by().values(*COLUMNS)}
    rows = [by_id[pk] for pk in ids if pk in by_id]
    tags = _visible_tags(user, [row["id"] for row in rows])
    choice = {name: _labels(choices) for name, choices in _CHOICES.items()}
    today = dt.date.today()  # noqa: DTZ011  # as Resident.age counts
    zone = timezone.get_current_timezone()
    return [_resident(row, tags.get(row["id"], []), choice, today, zone) for row in rows]


_CHOICES: dict[str, type[TextChoices]] = {
    "id_type": IdType,
    "residence_type": ResidenceType,
    "status": ResidentStatus,
}


def _labels(choices: type[TextChoices]) -> dict[str, str]:
    # Translated once per request, in the request's language, as ChoiceLabelField does per value.
    return {value: str(label) for value, label in choices.choices}


def _choice(labels: dict[str, str], value: str) -> dict[str, str] | None:
    return {"code": value, "label": labels.get(value, value)} if value else None


def _code(table: CodeTable, value: str) -> dict[str, str] | None:
    return {"code": value, "label": codes.label(table, value)} if value else None


def _place(pk: int | None, code: str, name: str) -> dict[str, Any] | None:
    return {"id": pk, "code": code, "name": name} if pk is not None else None


def _age(birth: dt.date | None, today: dt.date) -> int | None:
    if not birth:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _datetime(value: dt.datetime, zone: dt.tzinfo) -> str:
    """DRF's DateTimeField text: ISO 8601 in the current time zone, `Z` for UTC."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _dwelling(row: dict[str, Any]) -> dict[str, Any] | None:
    if row["dwelling_id"] is None:
        return None
    unit = row["dwelling__unit"]
    return {
        "id": row["dwelling_id"],
        "label": f"{unit}单元{row['dwelling__room']}室"
        if unit
        else f"{row['dwelling__room']}室",  # Dwelling.label
        "building_id": row["dwelling__building_id"],
        "address": row["dwelling__building__address"],
    }


def _resident(
    row: dict[str, Any],
    tags: list[dict[str, Any]],
    choice: dict[str, dict[str, str]],
    today: dt.date,
    zone: dt.tzinfo,
) -> dict[str, Any]:
    birth = row["birth_date"]
    return {
        "id": row["id"],
        "name": row["name"],
        "gender": _code(CodeTable.SEX, row["gender"]),
        "birth_date": _DATE.to_representation(birth) if birth else None,
        "age": _age(birth, today),
        "id_type": _choice(choice["id_type"], row["id_type"]),
        "id_number": row["id_number_masked"],
        "phone": row["phone_masked"],
        "ethnicity": _code(CodeTable.ETHNICITY, row["ethnicity"]),
        "political_status": _code(CodeTable.POLITICAL_STATUS, row["political_status"]),
        "education": _code(CodeTable.EDUCATION, row["education"]),
        "marital_status": _code(CodeTable.MARITAL_STATUS, row["marital_status"]),
        "residence_type": _choice(choice["residence_type"], row["residence_type"]),
        "status": _choice(choice["status"], row["status"]),
        "community": _place(row["community_id"], row["community__code"], row["community__name"]),
        "grid": _place(row["grid_id"], row["grid__code"], row["grid__name"]),
        "micro_grid": _place(row["micro_grid_id"], row["micro_grid__code"], row["micro_grid__name"]),
        "household": (
            {"id": row["household_id"], "number": row["household__number"]}
            if row["household_id"] is not None
            else None
        ),
        "relation_to_head": _code(CodeTable.RELATIONSHIP, row["relation_to_head"]),
        "dwelling": _dwelling(row),
        "hukou_address": row["hukou_address"],
        "workplace": row["workplace"],
        "notes": row["notes"],
        "tags": tags,
        "created_at": _datetime(row["created_at"], zone),
        "updated_at": _datetime(row["updated_at"], zone),
    }


def _visible_tags(user: Any, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The tags of these residents that `user` may see (the list's `tags`), one query."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return out
    links = selectors.resident_tags_visible_to(user).filter(resident_id__in=ids).order_by("id")
    for resident_id, code, name, group, restricted, since, note in links.values_list(*TAG_COLUMNS):
        out.setdefault(resident_id, []).append(
            {
                "code": code,
                "name": name,
                "group": group,
                "restricted": restricted,
                "since": _DATE.to_representation(since) if since else None,
                "note": note,
            }
        )
    return out
