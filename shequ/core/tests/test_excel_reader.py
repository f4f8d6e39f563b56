"""Reading .xlsx: calamine reads what openpyxl's read-only mode reads, cell for cell, and
leaves to openpyxl the files it would read differently or could not hold in memory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from shequ.core import excel


def _openpyxl_rows(path: Path) -> list[list[Any]]:
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(row) for row in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def _community_sheet(path: Path) -> Path:
    """What a community sheet holds: a title above the header, ID numbers and phones typed as
    text and as numbers, dates as dates and as text, leading zeros, blanks and blank rows."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["B1"] = "溪南社区居民花名册"
    ws.append([])
    ws.append(["姓名", "公民身份号码", "出生日期", "联系电话", "户号", "房号", "所属网格", "人数", "党员"])
    ws.append(
        ["张三", "33072319520416072X", dt.date(1952, 4, 16), 13800000000, "001", "0301", 330723001001001]
    )
    ws.append(["李四", "330723198001011234", "1980-01-01", "0579-87654321", 1, 301.0, "330723001001001", 2.5])
    ws.append([" 王五 ", "", dt.datetime(1990, 5, 6, 7, 8, 9), None, None, None, None, 0, True])
    ws.append([])
    ws.append(["赵六", 330723199001011000, 19900101, 1.38e10, "=1+1"])
    ws["C9"] = 32874
    ws["C9"].number_format = "yyyy/m/d"
    wb.save(path)
    return path


def test_calamine_reads_what_openpyxl_reads(tmp_path: Path) -> None:
    path = _community_sheet(tmp_path / "居民.xlsx")
    assert excel._calamine_rows(path) is not None  # the fast reader is the one under test
    rows = list(excel.read_rows(path))
    assert rows == _openpyxl_rows(path)
    assert rows[0][1] == "溪南社区居民花名册" and rows[1] == [None] * 9  # row numbers kept
    assert rows[3][:7] == [
        "张三",
        "33072319520416072X",
        dt.datetime(1952, 4, 16),
        13800000000,
        "001",
        "0301",
        330723001001001,
    ]
    assert rows[4][4] == 1 and type(rows[4][4]) is int and rows[4][7] == 2.5
    assert rows[8][2] == dt.datetime(1990, 1, 1)


def test_error_cells_are_left_to_openpyxl(tmp_path: Path) -> None:
    """calamine would read #N/A as an empty cell; the import must see it and report it."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["姓名", "民族"])
    ws.append(["张三", "#N/A"])
    ws["B2"].data_type = "e"
    path = tmp_path / "errors.xlsx"
    wb.save(path)
    assert excel._calamine_rows(path) is None
    assert list(excel.read_rows(path)) == [["姓名", "民族"], ["张三", "#N/A"]]


def test_big_sheets_are_streamed_by_openpyxl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _community_sheet(tmp_path / "big.xlsx")
    monkeypatch.setattr(excel, "CALAMINE_MAX_XML_BYTES", 100)
    assert excel._calamine_rows(path) is None
    assert list(excel.read_rows(path)) == _openpyxl_rows(path)


def test_a_file_that_is_not_a_workbook_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(excel.UnreadableFile):
        list(excel.read_rows(path))
