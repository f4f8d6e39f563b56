"""Excel is the lingua franca of community work: streamed .xlsx exports and tolerant readers.

Exports use openpyxl's write-only mode so a list of 100,000 rows stays in constant memory;
readers yield rows one by one from .xlsx (read-only mode) or .csv (UTF-8 with or without BOM,
or GB18030 as Chinese Excel saves it).

Every export goes through `write_xlsx`, which writes text as text whatever is stored (DESIGN
rule 10, docs/security.md): control characters, which .xlsx cannot hold (openpyxl raises
IllegalCharacterError), are dropped on the way out; a text that starts like a formula (`=`, `+`,
`-`, `@`, tab, CR) or reads like an error value (`#N/A`) is written as a string cell marked with
Excel's quote prefix, so it shows exactly as stored and never runs, even after it is edited.
Numbers stay numbers: only text is escaped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook, SheetTypeEnum

from .text import strip_controls

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
# What a spreadsheet may read as the start of a formula (OWASP, "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class UnreadableFile(ValueError):
    """The file is not a spreadsheet we can read (wrong type, corrupt, empty)."""


def write_xlsx(
    target: IO[bytes] | Path | str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "Sheet1",
) -> int:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.freeze_panes = "A2"
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=strip_controls(str(text)))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header_cells.append(cell)
    ws.append(header_cells)
    count = 0
    for row in rows:
        ws.append([_cell(ws, v) for v in row])
        count += 1
    wb.save(target)
    return count


def _cell(ws: Any, value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, int | float) or hasattr(value, "year"):
        return value
    return _text_cell(ws, str(value))


def _text_cell(ws: Any, value: str) -> Any:
    """Text as text: control characters dropped; a formula-like or error-like text as a string
    cell with the quote prefix (the cell-level form of OWASP's leading apostrophe)."""
    text = strip_controls(value, multiline=True)
    if not _looks_like_formula(text):
        return text
    cell = WriteOnlyCell(ws, value=text)
    _as_text(cell)
    return cell


def _looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES) or text in ERROR_CODES


def _as_text(cell: Any) -> None:
    cell.data_type = "s"
    cell.quotePrefix = True


def _put(ws: Any, row: int, column: int, value: Any) -> None:
    """A cell of a template (an ordinary workbook), written as `write_xlsx` writes text."""
    cell = ws.cell(row=row, column=column, value=strip_controls(value) if isinstance(value, str) else value)
    if isinstance(cell.value, str) and _looks_like_formula(cell.value):
        _as_text(cell)


def xlsx_attachment(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx download; `filename` may be Chinese (RFC 5987 encoding)."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def xlsx_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1"
) -> HttpResponse:
    """A list as an .xlsx download named `filename-YYYYmmdd-HHMM.xlsx`."""
    buffer = io.BytesIO()
    write_xlsx(buffer, headers, rows, title=title)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_attachment(buffer.getvalue(), f"{filename}-{stamp}.xlsx")


def template_workbook(
    headers: Sequence[str], dropdowns: Mapping[str, Sequence[str]], *, examples: Sequence[Sequence[Any]] = ()
) -> bytes:
    """An import template: headers, sample rows, and list validations for coded columns.

    Dropdown values live on a hidden sheet because Excel limits inline lists to 255 characters.
    """
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "导入模板"
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for r, row in enumerate(examples, start=2):
        for c, value in enumerate(row, start=1):
            _put(ws, r, c, value)
    lists = wb.create_sheet("代码表")
    lists.sheet_state = "hidden"
    for col_index, header in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(row=1, column=col_index).column_letter].width = max(
            12, len(header) * 2 + 4
        )
        values = dropdowns.get(header)
        if not values:
            continue
        letter = lists.cell(row=1, column=col_index).column_letter
        for r, value in enumerate(values, start=1):
            _put(lists, r, col_index, value)
        dv = DataValidation(
            type="list", formula1=f"'代码表'!${letter}$1:${letter}${len(values)}", allow_blank=True
        )
        dv.error = "请从下拉列表中选择"
        dv.errorTitle = "输入有误"
        ws.add_data_validation(dv)
        col = ws.cell(row=1, column=col_index).column_letter
        dv.add(f"{col}2:{col}5000")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read_rows(path: Path | str, *, filename: str | None = None) -> Iterator[list[Any]]:
    """Yield every row (header first) of an .xlsx or .csv file as a list of cell values."""
    name = (filename or str(path)).lower()
    if name.endswith(".csv"):
        yield from _read_csv(Path(path))
    elif name.endswith((".xlsx", ".xlsm")):
        yield from _read_xlsx(Path(path))
    else:
        raise UnreadableFile("只支持 .xlsx 和 .csv 文件")


# calamine (Rust) parses a sheet about twenty times faster than openpyxl, but holds all of it in
# memory at once: it reads sheets up to this much XML (about 50,000 rows of the import template,
# a few hundred MB at most); bigger files are streamed by openpyxl in constant memory.
CALAMINE_MAX_XML_BYTES = 64 * 1024 * 1024


def _read_xlsx(path: Path) -> Iterator[list[Any]]:
    rows = _calamine_rows(path)
    if rows is not None:
        yield from rows
        return
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableFile("无法打开 Excel 文件，文件可能已损坏或不是 .xlsx 格式") from exc
    try:
        ws = wb.worksheets[0]
        for row in ws.iter_rows(values_only=True):
            yield list(row)
    finally:
        wb.close()


def _calamine_rows(path: Path) -> Iterator[list[Any]] | None:
    """The first worksheet's rows as openpyxl's read-only mode gives them, or None when calamine
    should not read this file (too big, holds error cells, or calamine cannot open it)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = [
                i for i in archive.infolist() if i.filename.startswith(("xl/worksheets/", "xl/sharedStrings"))
            ]
            if sum(i.file_size for i in parts) > CALAMINE_MAX_XML_BYTES:
                return None
            for info in parts:
                if info.filename.startswith("xl/worksheets/") and _has_error_cells(archive, info):
                    return None
        workbook = CalamineWorkbook.from_path(str(path))
        try:
            sheets = [m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
            if not sheets:
                return None
            # From A1, empty leading rows and columns included, so row numbers match the sheet's.
            table = workbook.get_sheet_by_name(sheets[0]).to_python(skip_empty_area=False)
        finally:
            workbook.close()
    except Exception:  # openpyxl reads it, or says why it cannot
        return None
    return (list(map(_as_openpyxl, row)) for row in table)


def _has_error_cells(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """calamine reads #N/A and #REF! as empty cells; openpyxl gives their text, which the import
    reports as a bad value. Files that hold any are left to openpyxl."""
    tail = b""
    with archive.open(info) as sheet:
        while chunk := sheet.read(1 << 20):
            if b't="e"' in tail + chunk or b"t='e'" in tail + chunk:
                return True
            tail = chunk[-8:]
    return False


def _as_openpyxl(value: Any) -> Any:
    """A calamine cell as openpyxl has it: None for empty, whole numbers as int (as written),
    dates as midnight datetimes."""
    kind = type(value)
    if kind is str:
        return value if value else None
    if kind is float:
        return int(value) if value.is_integer() and -1e16 < value < 1e16 else value
    if kind is dt.date:
        return dt.datetime(value.year, value.month, value.day)  # noqa: DTZ001  (a cell's naive date)
    return value


def _read_csv(path: Path) -> Iterator[list[Any]]:
    with path.open("rb") as fh:
        head = fh.read(65536)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A cut multi-byte character at the end of the sample is not a reason to give up on UTF-8.
        if exc.start < len(head) - 4:
            encoding = "gb18030"
    try:
        with path.open(encoding=encoding, newline="") as fh:
            yield from csv.reader(fh)
    except UnicodeDecodeError as exc:
        raise UnreadableFile("CSV 文件编码无法识别，请另存为 UTF-8 或 GBK 编码") from exc
