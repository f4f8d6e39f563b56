"""Reads of the national code tables, cached per process (they change once a year)."""

from __future__ import annotations

import csv
from collections.abc import Set
from functools import cache, lru_cache
from pathlib import Path

from .models import Code, CodeTable

DATA_DIR = Path(__file__).parent / "data"


def load_file_rows(table: str) -> list[tuple[str, str]]:
    with (DATA_DIR / f"{table}.csv").open(encoding="utf-8") as fh:
        return [(row["code"], row["name"]) for row in csv.DictReader(fh)]


@cache
def _table(table: str) -> dict[str, str]:
    return dict(Code.objects.filter(table=table, active=True).values_list("code", "name"))


@cache
def _aliases() -> dict[tuple[str, str], str]:
    """Short names spreadsheets use for a code (中共党员, 本科), from data/aliases.csv."""
    with (DATA_DIR / "aliases.csv").open(encoding="utf-8") as fh:
        return {(row["table"], row["alias"]): row["code"] for row in csv.DictReader(fh)}


def clear_cache() -> None:
    _table.cache_clear()
    _lookup.cache_clear()
    _regions.cache_clear()


def choices(table: CodeTable | str) -> list[tuple[str, str]]:
    return list(_table(str(table)).items())


def label(table: CodeTable | str, code: str) -> str:
    return _table(str(table)).get(code, code) if code else ""


def lookup(table: CodeTable | str, text: str) -> str | None:
    """Find a code by its code or its name, as spreadsheets carry either (01 or 汉族 or 汉)."""
    text = (text or "").strip()
    if not text:
        return None
    return _lookup(str(table), text)


# An import asks the same few values (汉族, 群众, 户主) once per row: remembered per table and text.
@lru_cache(maxsize=8192)
def _lookup(table: str, text: str) -> str | None:
    rows = _table(str(table))
    if text in rows:
        return text
    if text.isdigit() and text.zfill(2) in rows:
        return text.zfill(2)
    for code, name in rows.items():
        if name == text:
            return code
    alias = _aliases().get((str(table), text))
    if alias in rows:
        return alias
    for code, name in rows.items():
        if name.startswith(text) or text.startswith(name):
            return code
    return None


def known_regions() -> Set[str]:
    return _regions()


@cache
def _regions() -> frozenset[str]:
    return frozenset(_table(CodeTable.DIVISION))
