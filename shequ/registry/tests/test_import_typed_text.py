"""The import reads what community workers really type (issue 10): a merged title row, full-width
digits and letters, blank rows and a total row, in a real .xlsx written by openpyxl."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from shequ.core.actors import System
from shequ.core.idnumber import make as make_id
from shequ.registry import pii
from shequ.registry.imports import run_import
from shequ.registry.models import ImportJob, ImportStatus, Resident
from shequ.testing import County, make_user

pytestmark = pytest.mark.django_db

HEADERS = ["序号", "姓名", "身份证号码", "性别", "民族", "手机号码", "网格编码", "楼栋", "房号", "备注"]
FULL_WIDTH = str.maketrans("0123456789X-", "０１２３４５６７８９Ｘ－")


def bad_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def wide(text: str) -> str:
    return text.translate(FULL_WIDTH)


def community_sheet(county: County, path: Path) -> tuple[Path, list[str]]:
    """A sheet as a community office keeps it: a title merged across the columns, a blank row
    between groups, a total row, trailing empty rows; numbers typed with a Chinese input method."""
    grid = county.grid_a1_1.code
    numbers = [make_id("330723", dt.date(1950 + i, 3, 4), 60 + i) for i in range(4)]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["熟溪社区居民信息表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.append(HEADERS)
    ws.append(
        [1, "钱一", wide(numbers[0]), "女", "汉族", wide("13900000061"), wide(grid), "８幢", "１０１", ""]
    )
    ws.append(
        [
            2,
            "钱二",
            wide(numbers[1]),
            "男",
            "汉族",
            "139-0000-0062",
            grid,
            "8幢",
            "102",
            "\u202e行动\x7f不便\u200b",
        ]
    )
    ws.append([None] * len(HEADERS))  # a blank row between two groups
    ws.append(["", "  ", None, "", "", "", "", "", "", ""])  # blank but for spaces
    ws.append([3, "钱三", numbers[2], "女", "汉族", "13900000063", grid, "8幢", "201", ""])
    ws.append(
        [4, "钱四", wide(bad_check_digit(numbers[3])), "男", "汉族", "", grid, "8幢", "202", ""]
    )  # bad check
    ws.append(["合计", None, None, None, None, None, None, None, "4户", "共4人"])
    ws.append(["总 计：", "", "", "", "", "", "", "", "", ""])
    ws.append([None] * len(HEADERS))  # empty rows at the end of the sheet are not rows
    ws.append([None] * len(HEADERS))
    wb.save(path)
    return path, numbers


def test_a_typed_sheet_is_read_as_it_is_meant(county: County, tmp_path: Path) -> None:
    source, numbers = community_sheet(county, tmp_path / "熟溪社区居民信息表.xlsx")

    result = run_import(source, by=System("import"))

    assert (result.created, result.updated, result.failed, result.skipped) == (3, 0, 1, 4), result.errors
    (error,) = result.errors
    assert (error.row, error.column) == (8, "身份证号码") and "校验" in error.reason
    first = Resident.objects.get(id_number_digest=pii.id_digest(numbers[0]))
    assert first.name == "钱一" and pii.plaintext_phone(first) == "13900000061"
    assert first.birth_date == dt.date(1950, 3, 4) and first.grid == county.grid_a1_1
    assert first.dwelling.building.name == "8幢" and first.dwelling.room == "101"
    second = Resident.objects.get(id_number_digest=pii.id_digest(numbers[1]))
    assert pii.plaintext_phone(second) == "13900000062" and second.notes == "行动不便"
    assert second.dwelling.building == first.dwelling.building
    assert not Resident.objects.filter(name__in=["合计", "总 计："]).exists()


def test_skipped_rows_are_shown_on_the_import_page(
    county: County, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    source, _numbers = community_sheet(county, tmp_path / "名单.xlsx")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(make_user("community_head", county.community_a1))
    with django_capture_on_commit_callbacks(execute=True), source.open("rb") as fh:
        client.post(reverse("registry:import_start"), {"file": fh})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.DONE, job.message
    assert (job.created, job.failed, job.skipped) == (3, 1, 4)
    assert job.processed_rows == job.total_rows == 8 and job.percent == 100
    page = client.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert 'data-count="skipped">4<' in page and "已跳过" in page
    listing = client.get(reverse("registry:import_list")).content.decode()
    assert "已跳过" in listing
