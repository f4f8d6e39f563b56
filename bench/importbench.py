"""Import benchmark: shequ's import, the raw bulk load and django-import-export on the same file.

Each runs in its own process against a fresh copy of a database that holds only the city's area
tree, so all three write into the same empty tables.

- shequ: `shequ.registry.imports.run_import` as `manage.py import_residents` runs it (the system
  user): full validation, encryption and keyed digests, de-duplication against the database,
  buildings, dwellings, households and tags found or created, history rows for every row written.
- raw: the same rows with every stored value computed beforehand by the same cleaning code
  (clean_resident, encryption, digests, masks, pinyin keys, ids for buildings, dwellings and
  households) *outside the clock*; only the writes are timed: PostgreSQL `COPY`, SQLite
  `executemany`, in chunks of about 20,000 rows. No history rows, no checks: the database's ceiling.
- django-import-export: a ModelResource for Resident with the fewest fields that make a valid row
  (name, sex, birth date, grid → community and area path, ID-number digest as the import id so a
  rerun updates instead of duplicating), importing a sample of the file with its defaults (one
  save per row, history through simple-history's signal); rows/s extrapolated from the sample.
"""

from __future__ import annotations

import csv
import itertools
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from shequ.core import idnumber
from shequ.registry import namegrams, pii, services
from shequ.registry.imports import COLUMNS, match_header, run_import
from shequ.registry.models import (
    Building,
    Dwelling,
    Grid,
    Household,
    HouseholdType,
    ResidenceType,
    Resident,
    ResidentNameGram,
    ResidentTag,
    TagType,
)
from shequ.registry.validation import clean_resident

CHUNK = 20_000


def _counts() -> dict[str, int]:
    return {
        "residents": Resident.objects.count(),
        "households": Household.objects.count(),
        "dwellings": Dwelling.objects.count(),
        "buildings": Building.objects.count(),
        "tags": ResidentTag.objects.count(),
    }


def shequ_import(path: str) -> dict[str, Any]:
    started = time.perf_counter()
    result = run_import(path)
    seconds = time.perf_counter() - started
    return {
        "rows": result.processed_rows,
        "created": result.created,
        "failed": result.failed,
        "errors": [e.line() for e in result.errors[:5]],
        "seconds": round(seconds, 2),
        "rows_per_s": round(result.processed_rows / seconds, 1),
        "stored": _counts(),
    }


# --- raw ----------------------------------------------------------------------------------------


def _csv_rows(path: str) -> Iterator[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        keys = [match_header(h) or "" for h in next(reader)]
        for cells in reader:
            yield dict(zip(keys, cells, strict=False))


class _Raw:
    def __init__(self) -> None:
        self.now = timezone.now()
        self.grids = {g.code: g for g in Grid.objects.select_related("community")}
        self.tags = {t.name: t.pk for t in TagType.objects.all()}
        self.buildings: dict[tuple[str, str, str], Building] = {}
        self.building_seq: dict[int, int] = {}
        self.dwellings: dict[tuple[int, str, str], Dwelling] = {}
        self.households: dict[tuple[int, str], Household] = {}
        self.ids = {"building": 0, "dwelling": 0, "household": 0, "resident": 0, "tag": 0}

    def _id(self, kind: str) -> int:
        self.ids[kind] += 1
        return self.ids[kind]

    def chunk(self, rows: list[dict[str, str]]) -> dict[type[Model], list[Model]]:
        out: dict[type[Model], list[Model]] = {
            m: [] for m in (Building, Dwelling, Household, Resident, ResidentTag)
        }
        for raw in rows:
            grid = self.grids[raw["grid"]]
            community = grid.community
            bkey = (grid.code, raw["estate"], raw["building"])
            building = self.buildings.get(bkey)
            if building is None:
                seq = self.building_seq[community.pk] = self.building_seq.get(community.pk, 0) + 1
                building = Building(
                    pk=self._id("building"),
                    code=f"{community.code}{seq:05d}",
                    name=raw["building"],
                    estate=raw["estate"],
                    address=f"{community.full_name}{raw['estate']}{raw['building']}"[:200],
                    community=community,
                    grid=grid,
                    area_path=grid.path,
                    created_at=self.now,
                    updated_at=self.now,
                )
                self.buildings[bkey] = building
                out[Building].append(building)
            dkey = (building.pk, raw["unit"], raw["room"])
            dwelling = self.dwellings.get(dkey)
            if dwelling is None:
                digits = "".join(c for c in raw["room"] if c.isdigit())
                dwelling = Dwelling(
                    pk=self._id("dwelling"),
                    building=building,
                    unit=raw["unit"],
                    room=raw["room"],
                    floor=int(digits[:-2]) if len(digits) >= 3 else 1,
                    area_path=building.area_path,
                    created_at=self.now,
                    updated_at=self.now,
                )
                self.dwellings[dkey] = dwelling
                out[Dwelling].append(dwelling)
            cleaned = clean_resident(raw).data
            hkey = (community.pk, raw["household_number"])
            household = self.households.get(hkey)
            if household is None:
                household = Household(
                    pk=self._id("household"),
                    number=raw["household_number"],
                    community=community,
                    dwelling=dwelling,
                    household_type=HouseholdType.FLOATING
                    if cleaned.get("residence_type") == ResidenceType.FLOATING
                    else HouseholdType.REGISTERED,
                    area_path=dwelling.area_path,
                    created_at=self.now,
                    updated_at=self.now,
                )
                self.households[hkey] = household
                out[Household].append(household)
            resident = Resident(
                pk=self._id("resident"),
                community=community,
                grid=grid,
                household=household,
                dwelling=dwelling,
                area_path=grid.path,
                created_at=self.now,
                updated_at=self.now,
            )
            services._apply(resident, cleaned)
            if cleaned.get("relation_to_head") == "02":
                household.head_id = resident.pk
            out[Resident].append(resident)
            for name in filter(None, raw.get("tags", "").split("、")):
                out[ResidentTag].append(
                    ResidentTag(
                        pk=self._id("tag"),
                        resident_id=resident.pk,
                        tag_id=self.tags[name],
                        area_path=resident.area_path,
                        created_at=self.now,
                        updated_at=self.now,
                    )
                )
        return out


def _values(objs: list[Model]) -> tuple[str, list[str], list[tuple[Any, ...]]]:
    model = type(objs[0])
    fields = model._meta.concrete_fields
    rows = [tuple(f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields) for o in objs]
    return model._meta.db_table, [str(f.column) for f in fields], rows


def _write(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    raw = connection.connection
    if connection.vendor == "postgresql":
        with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)


def _household_chunks(rows: Iterator[dict[str, str]]) -> Iterator[list[dict[str, str]]]:
    """Chunks of about CHUNK rows that never split a household (its head is in the same chunk)."""
    chunk: list[dict[str, str]] = []
    for _household, members in itertools.groupby(rows, key=lambda r: (r["grid"], r["household_number"])):
        chunk.extend(members)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def raw_load(path: str) -> dict[str, Any]:
    loader = _Raw()
    write_seconds = 0.0
    started = time.perf_counter()
    n = 0
    connection.ensure_connection()
    for rows in _household_chunks(_csv_rows(path)):
        chunk = loader.chunk(rows)
        prepared = [_values(objs) for objs in chunk.values() if objs]
        # The name index is part of what a resident stores (namegrams.py), as shequ's import writes it.
        grams = [(g, r.pk) for r in chunk[Resident] for g in namegrams.grams(r.name)]  # type: ignore[attr-defined]
        prepared.append((ResidentNameGram._meta.db_table, ["gram", "resident_id"], grams))
        n += len(rows)
        t0 = time.perf_counter()
        with transaction.atomic():
            for table, columns, values in prepared:
                _write(table, columns, values)
        write_seconds += time.perf_counter() - t0
    total = time.perf_counter() - started
    return {
        "rows": n,
        "write_seconds": round(write_seconds, 2),
        "total_seconds": round(total, 2),
        "rows_per_s": round(n / write_seconds, 1),
        "rows_per_s_with_preparation": round(n / total, 1),
        "stored": _counts(),
    }


# --- django-import-export ---------------------------------------------------------------------


def _resource() -> Any:
    from import_export import fields, resources, widgets

    class Digest(widgets.CharWidget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            return pii.id_digest(idnumber.normalize(str(value))) if value else ""

    class Sex(widgets.CharWidget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            return {"男": "1", "女": "2"}.get(str(value), "")

    class ResidentResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        gender = fields.Field(attribute="gender", column_name="性别", widget=Sex())
        birth_date = fields.Field(
            attribute="birth_date", column_name="出生日期", widget=widgets.DateWidget("%Y-%m-%d")
        )
        grid = fields.Field(
            attribute="grid", column_name="所属网格", widget=widgets.ForeignKeyWidget(Grid, "code")
        )
        id_number_digest = fields.Field(
            attribute="id_number_digest", column_name="公民身份号码", widget=Digest()
        )

        class Meta:
            model = Resident
            fields = ("name", "gender", "birth_date", "grid", "id_number_digest")
            import_id_fields = ("id_number_digest",)

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            instance.community_id = instance.grid.community_id
            instance.area_path = instance.grid.path

    return ResidentResource()


def iie_import(path: str, sample: int) -> dict[str, Any]:
    import tablib

    headers = [c.header for c in COLUMNS]
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader)
        data = tablib.Dataset(*itertools.islice(reader, sample), headers=headers)
    resource = _resource()
    started = time.perf_counter()
    result = resource.import_data(data, dry_run=False, raise_errors=True, use_transactions=True)
    seconds = time.perf_counter() - started
    return {
        "rows": len(data),
        "created": result.totals.get("new", 0),
        "seconds": round(seconds, 2),
        "rows_per_s": round(len(data) / seconds, 1),
        "extrapolated": True,
        "stored": _counts(),
    }
