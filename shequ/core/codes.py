"""Reads of the national code tables, cached per process (they change once a year).

A typed value matches a code in one way only: after NFKC normalisation and with every space
removed, it equals the code, the code's official name, or an alias declared for that table in
data/aliases.csv. Nothing is matched by prefix or by guess: `女婿` is not `女`, `土` is not `土家族`.
An unknown or ambiguous value raises `UnknownCode`, whose message names the closest valid values.
"""

from __future__ import annotations

import csv
import difflib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Set
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import Code, CodeTable

DATA_DIR = Path(__file__).parent / "data"

# How many close values an error names.
SUGGESTIONS = 3


def _data_lines(path: Path) -> Iterable[str]:
    """A data file's lines without its `#` comment lines (where a file says where it comes from)."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                yield line


def load_file_rows(table: str) -> list[tuple[str, str]]:
    """The table's current codes and names, as the data file has them."""
    return [(row["code"], row["name"]) for row in csv.DictReader(_data_lines(DATA_DIR / f"{table}.csv"))]


def load_retired_rows(table: str) -> list[tuple[str, str]]:
    """Codes the table no longer lists but that old records still carry (data/<table>_retired.csv)."""
    path = DATA_DIR / f"{table}_retired.csv"
    if not path.exists():
        return []
    return [(row["code"], row["name"]) for row in csv.DictReader(_data_lines(path))]


@cache
def editions() -> dict[str, dict[str, str]]:
    """Which standard and edition each table's data file follows (data/tables.csv)."""
    with (DATA_DIR / "tables.csv").open(encoding="utf-8") as fh:
        return {row["table"]: row for row in csv.DictReader(fh)}


def load_alias_rows() -> list[tuple[str, str, str]]:
    """(table, alias, code): the short forms spreadsheets use (中共党员, 本科, 儿子, 维族)."""
    return [
        (row["table"], row["alias"], row["code"])
        for row in csv.DictReader(_data_lines(DATA_DIR / "aliases.csv"))
    ]


def sync_tables(code_model: Any, tables: Iterable[str] | None = None) -> None:
    """Make the stored tables what the data files say (for migrations: pass the historical model).

    Codes in the file are added or renamed and marked in use with the file's edition; codes the
    file no longer lists stay (records still carry them) but are marked not in use, as are the
    retired codes listed beside a table. Running it twice changes nothing the second time."""
    for table in tables if tables is not None else editions():
        edition = editions()[table]["edition"]
        current = dict(load_file_rows(table))
        retired = dict(load_retired_rows(table))
        stored = {row.code: row for row in code_model.objects.filter(table=table)}
        new, changed = [], []
        for code, name in current.items():
            row = stored.get(code)
            if row is None:
                new.append(code_model(table=table, code=code, name=name, edition=edition, active=True))
            elif (row.name, row.edition, row.active) != (name, edition, True):
                row.name, row.edition, row.active = name, edition, True
                changed.append(row)
        for code, name in retired.items():
            if code in current:
                continue
            if code not in stored:
                new.append(code_model(table=table, code=code, name=name, edition="", active=False))
        for code, row in stored.items():
            if code not in current and row.active:
                row.active = False
                changed.append(row)
        code_model.objects.bulk_create(new, batch_size=1000)
        code_model.objects.bulk_update(changed, ["name", "edition", "active"], batch_size=1000)


@cache
def _table(table: str) -> dict[str, str]:
    return dict(Code.objects.filter(table=table, active=True).values_list("code", "name"))


@cache
def _aliases() -> dict[str, list[tuple[str, str]]]:
    by_table: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for table, alias, code in load_alias_rows():
        by_table[table].append((alias, code))
    return by_table


@cache
def _english(table: str) -> dict[str, str]:
    """English names from the data file's `name_en` column, where the file has one."""
    path = DATA_DIR / f"{table}.csv"
    if not path.exists():
        return {}
    return {row["code"]: row["name_en"] for row in csv.DictReader(_data_lines(path)) if row.get("name_en")}


def clear_cache() -> None:
    _english.cache_clear()
    _table.cache_clear()
    _aliases.cache_clear()
    _index.cache_clear()
    _lookup.cache_clear()
    _close.cache_clear()
    _regions.cache_clear()
    editions.cache_clear()


def choices(table: CodeTable | str) -> list[tuple[str, str]]:
    return list(_table(str(table)).items())


def label(table: CodeTable | str, code: str) -> str:
    """The official (Chinese) name: what exports, imports and the API read and write."""
    return _table(str(table)).get(code, code) if code else ""


def display_label(table: CodeTable | str, code: str) -> str:
    """The name a page shows: English on English pages where the data file has an English name
    (every table but the divisions and disability codes), else the official Chinese name."""
    if code and english_pages():
        english = _english(str(table)).get(code)
        if english:
            return english
    return label(table, code)


def english_pages() -> bool:
    """Whether the active language is English (pages then show English names where there are some)."""
    return (get_language() or "").startswith("en")


def display_name(name: str, name_en: str) -> str:
    """A vocabulary row's name for a page: `name_en` on English pages when it is set, else `name`
    (the Chinese name, which exports, imports and the API keep)."""
    return name_en if name_en and english_pages() else name


def display_choices(table: CodeTable | str) -> list[tuple[str, str]]:
    """`choices` with the names a page shows (`display_label`), for dropdowns."""
    return [(code, display_label(table, code)) for code, _name in choices(table)]


def normalize(text: str) -> str:
    """What a typed value is compared as: NFKC (full-width ０１ and Ｘ become 01 and X), no spaces."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


class UnknownCode(ValueError):
    """A value that is no code, name or alias of the table, or that names more than one code."""

    def __init__(self, table: str, text: str, candidates: list[tuple[str, str]], *, ambiguous: bool) -> None:
        self.table, self.text, self.candidates, self.ambiguous = table, text, candidates, ambiguous
        super().__init__(self.message)

    @property
    def message(self) -> str:
        listed = "、".join(f"{code} {name}" for code, name in self.candidates)
        if self.ambiguous:
            return _("“%(value)s” could mean %(choices)s: enter the code or the full name.") % {
                "value": self.text,
                "choices": listed,
            }
        if not listed:
            return _("Unknown value “%(value)s”.") % {"value": self.text}
        return _("Unknown value “%(value)s”. Closest valid values: %(choices)s.") % {
            "value": self.text,
            "choices": listed,
        }


@dataclass(frozen=True)
class _Index:
    keys: dict[str, frozenset[str]]  # normalised code, name or alias -> the codes it names
    words: tuple[tuple[str, str], ...]  # (normalised name or alias, code), to suggest from


@cache
def _index(table: str) -> _Index:
    rows = _table(table)
    keys: dict[str, set[str]] = defaultdict(set)
    words: list[tuple[str, str]] = []
    for code, name in rows.items():
        keys[normalize(code)].add(code)
        keys[normalize(name)].add(code)
        words.append((normalize(name), code))
    for alias, code in _aliases().get(table, ()):
        if code in rows:  # an alias of a retired code names nothing
            keys[normalize(alias)].add(code)
            words.append((normalize(alias), code))
    return _Index({k: frozenset(v) for k, v in keys.items()}, tuple(words))


def resolve(table: CodeTable | str, text: str) -> str | None:
    """The code `text` names in `table`, None for an empty value; `UnknownCode` otherwise."""
    key = normalize(text)
    if not key:
        return None
    found = _lookup(str(table), key)
    if len(found) == 1:
        return found[0]
    rows = _table(str(table))
    if found:
        raise UnknownCode(str(table), text.strip(), [(c, rows[c]) for c in found], ambiguous=True)
    raise UnknownCode(
        str(table), text.strip(), [(c, rows[c]) for c in _close(str(table), key)], ambiguous=False
    )


def lookup(table: CodeTable | str, text: str) -> str | None:
    """The code `text` names, or None when it names none or more than one."""
    key = normalize(text)
    found = _lookup(str(table), key) if key else ()
    return found[0] if len(found) == 1 else None


# An import asks the same few values (汉族, 群众, 户主) once per row: remembered per table and text.
@lru_cache(maxsize=8192)
def _lookup(table: str, key: str) -> tuple[str, ...]:
    keys = _index(table).keys
    found = keys.get(key)
    if found is None and key.isdigit() and len(key) < 2:
        found = keys.get(key.zfill(2))  # Excel drops the leading zero of 01
    return tuple(sorted(found or ()))


@lru_cache(maxsize=1024)
def _close(table: str, key: str) -> tuple[str, ...]:
    """Up to SUGGESTIONS codes whose names or aliases read most like `key`."""
    scored: dict[str, float] = {}
    matcher = difflib.SequenceMatcher(b=key, autojunk=False)
    for word, code in _index(table).words:
        matcher.set_seq1(word)
        score = matcher.ratio()
        if score > scored.get(code, 0.0):
            scored[code] = score
    ranked = sorted((item for item in scored.items() if item[1] > 0), key=lambda item: (-item[1], item[0]))
    return tuple(code for code, _score in ranked[:SUGGESTIONS])


def known_regions() -> Set[str]:
    """Every division code an ID number may carry: current ones and those since retired."""
    return _regions()


@cache
def _regions() -> frozenset[str]:
    return frozenset(Code.objects.filter(table=CodeTable.DIVISION).values_list("code", flat=True))
