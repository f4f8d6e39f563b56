"""The import file: N residents with households, dwellings and buildings, as .csv and .xlsx.

People come from the demo's own `PeopleMaker` (realistic names, valid GB 11643 ID numbers, phones,
key-population tags), placed household by household in new buildings of the city's grids, with
coded fields written as a community sheet writes them (汉族, 群众, 户主). Every row is valid, so
shequ, the raw load and django-import-export all load the same rows. Written once per size and
kept under var/bench/.
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Iterator
from typing import Any

from django.utils import translation

from shequ.core import codes
from shequ.core.excel import write_xlsx
from shequ.core.models import CodeTable
from shequ.registry.demo import names
from shequ.registry.demo.people import PeopleMaker
from shequ.registry.imports import COLUMNS
from shequ.registry.models import Grid, IdType, ResidenceType, TagType

from .common import VAR

HEADERS = [c.header for c in COLUMNS]
FORMAT_VERSION = 1
HOMES_PER_BUILDING = 24  # 6 floors x 2 units x 2 homes per floor


def _labels() -> dict[str, dict[str, str]]:
    with translation.override("zh-hans"):
        out = {
            "id_type": {v: str(label) for v, label in IdType.choices},
            "residence_type": {v: str(label) for v, label in ResidenceType.choices},
        }
    for key, table in (
        ("ethnicity", CodeTable.ETHNICITY),
        ("political", CodeTable.POLITICAL_STATUS),
        ("education", CodeTable.EDUCATION),
        ("marital", CodeTable.MARITAL_STATUS),
        ("relation", CodeTable.RELATIONSHIP),
    ):
        out[key] = dict(codes.choices(table))
    out["tag"] = dict(TagType.objects.values_list("code", "name"))
    return out


def rows(n: int, seed: int = 7) -> Iterator[list[Any]]:
    rng = random.Random(seed)
    people = PeopleMaker(rng)
    labels = _labels()
    grids = list(Grid.objects.order_by("code").values_list("code", flat=True))
    per_grid = max(1, n // len(grids)) + 1
    made = 0
    for grid in grids:
        estate = rng.choice(names.ESTATE_ROOTS) + rng.choice(names.ESTATE_SUFFIX["new"]) + f"{grid[-3:]}区"
        home = 0
        in_grid = 0
        while in_grid < per_grid and made < n:
            plan = people.household(floating=rng.random() < 0.2)
            building, index = divmod(home, HOMES_PER_BUILDING)
            unit, index = divmod(index, 12)
            floor, k = divmod(index, 2)
            home += 1
            number = f"H{grid[-6:]}{home:05d}"
            place = [grid, estate, f"{building + 1}幢", str(unit + 1), f"{floor + 1}{k + 1:02d}"]
            for p in plan.members:
                if made >= n:
                    break
                made += 1
                in_grid += 1
                yield [
                    p.name,
                    "男" if p.gender == "1" else "女",
                    labels["id_type"].get(p.id_type, p.id_type),
                    p.id_number,
                    p.birth.isoformat(),
                    labels["ethnicity"].get(p.ethnicity, p.ethnicity),
                    labels["political"].get(p.political, p.political),
                    labels["education"].get(p.education, p.education),
                    labels["marital"].get(p.marital, p.marital),
                    p.phone,
                    p.hukou_address,
                    labels["residence_type"].get(p.residence_type, p.residence_type),
                    labels["relation"].get(p.relation, p.relation),
                    number,
                    *place,
                    p.workplace or (rng.choice(names.INDUSTRIES) if p.employed else ""),
                    "、".join(labels["tag"][code] for code, *_ in p.tags if code in labels["tag"]),
                    "",
                ]


def make_files(*, count: int, stem: str) -> dict[str, Any]:
    n = count
    csv_path = VAR / f"{stem}.csv"
    xlsx_path = VAR / f"{stem}.xlsx"
    started = time.monotonic()
    if not csv_path.exists():
        tmp = csv_path.with_suffix(".csv.part")
        with tmp.open("w", newline="", encoding="utf-8-sig") as f:
            writer = csv.writer(f)
            writer.writerow(HEADERS)
            for row in rows(n):
                writer.writerow(row)
        tmp.rename(csv_path)
    csv_seconds = time.monotonic() - started
    if not xlsx_path.exists():
        tmp = xlsx_path.with_suffix(".part.xlsx")

        def from_csv() -> Iterator[list[Any]]:
            with csv_path.open(newline="", encoding="utf-8-sig") as f:
                reader = csv.reader(f)
                next(reader)
                yield from reader

        write_xlsx(tmp, HEADERS, from_csv(), title="居民")
        tmp.rename(xlsx_path)
    return {
        "csv": str(csv_path),
        "xlsx": str(xlsx_path),
        "rows": n,
        "seconds": round(time.monotonic() - started, 1),
        "csv_seconds": round(csv_seconds, 1),
    }
