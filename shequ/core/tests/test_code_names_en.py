"""The code tables pages show carry an English name for every code (data/<table>.csv, `name_en`)."""

from __future__ import annotations

import csv

import pytest

from shequ.core import codes


@pytest.mark.parametrize(
    "table", ["sex", "marital_status", "political_status", "ethnicity", "education", "relationship"]
)
def test_every_code_of_the_shown_tables_has_an_english_name(table: str) -> None:
    with (codes.DATA_DIR / f"{table}.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    assert rows and all(row["name_en"].strip() for row in rows)
    assert len({row["name_en"] for row in rows}) == len(rows)  # no two codes read the same
    assert all(row["name_en"].isascii() for row in rows)
