"""Reading an import sheet as community workers type it (DESIGN rule 10, issue 10).

Every text cell is NFKC-normalised and stripped of control characters before any check, so an ID
number typed with a Chinese input method (`３３０７２３……Ｘ`) is the ASCII number it means. Rows that
hold no person are skipped and counted, never reported as failures: a blank row between groups,
and a total row (合计, 总计 or 小计 in its first cells, with no name and no ID number). Empty rows
at the end of a sheet (a formatted but unused range) are not rows at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from shequ.core.text import clean_text

TOTAL_LABELS = ("合计", "总计", "小计")
TOTAL_LABEL_CELLS = 3  # where a total row carries its label: the first non-empty cells
MULTILINE_COLUMNS = frozenset({"notes"})
ROW_NUMBER_HEADERS = frozenset({"序号", "no"})
_SPACES = re.compile(r"\s+")


def cell_value(value: Any, key: str = "") -> Any:
    """A cell as the importer reads it: text cleaned and trimmed, numbers and dates as they are."""
    if isinstance(value, str):
        return clean_text(value, multiline=key in MULTILINE_COLUMNS).strip()
    return value


def header_text(value: Any) -> str:
    return clean_text(str(value)).strip() if value is not None else ""


def is_row_number_header(text: str) -> bool:
    """序号, the row-number column nearly every sheet starts with: ignored without asking."""
    return _SPACES.sub("", text).lower().rstrip(".") in ROW_NUMBER_HEADERS


def is_blank(row: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not cell_value(v)) for v in row)


def is_total_row(cells: list[Any], by_index: dict[int, str]) -> bool:
    """合计/总计/小计 in one of the first non-empty cells, and no name or ID number beside it."""
    filled = [(i, cell_value(v)) for i, v in enumerate(cells) if not is_blank([v])]
    labels = {
        i for i, value in filled[:TOTAL_LABEL_CELLS] if _SPACES.sub("", str(value)).startswith(TOTAL_LABELS)
    }
    if not labels:
        return False
    person = {i for i, key in by_index.items() if key in ("name", "id_number") and i < len(cells)}
    return all(i in labels or is_blank([cells[i]]) for i in person)


def data_rows(rows: Iterable[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """The numbered rows after the header, blank rows between data rows included (they are
    counted as skipped), blank rows at the end left out."""
    pending: list[int] = []  # numbers only: a formatted sheet can end in a million empty rows
    for number, row in rows:
        if is_blank(row):
            pending.append(number)
            continue
        yield from ((blank, []) for blank in pending)
        pending.clear()
        yield number, row
