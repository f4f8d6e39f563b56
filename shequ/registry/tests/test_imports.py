"""Resident import: dirty files in .xlsx and .csv, re-runs, the command contract and the pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook

from shequ.audit.models import AuditEvent
from shequ.core.actors import System
from shequ.core.idnumber import make as make_id
from shequ.registry import imports, pii
from shequ.registry.imports import error_report, match_header, read_headers, run_import, template_bytes
from shequ.registry.models import Building, Dwelling, Household, ImportJob, ImportStatus, Resident
from shequ.testing import PASSWORD, County, make_user

HEADERS = [
    "姓名",
    "身份证号码",
    "性别",
    "出生日期",
    "民族",
    "手机号码",
    "网格编码",
    "小区",
    "楼栋",
    "单元",
    "房号（门牌）",
    "户号",
    "与户主关系",
    "人员标签",
    "备注",
]
BABY = dt.date(2023, 1, 5)


def zh(msgid: str) -> str:
    """A validation message as the import reports it (translated to the site language)."""
    with translation.override("zh-hans"):
        return gettext(msgid)


def bad_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def dirty_rows(county: County) -> list[list[Any]]:
    """One row of every kind; spreadsheet row numbers are the list index + 2."""
    g11, g12 = county.grid_a1_1.code, county.grid_a1_2.code
    a11, a12 = county.residents["a11"], county.residents["a12"]
    impossible = "33072319990231001"
    impossible += "X"  # the check character does not matter: the date is checked first
    return [
        # 2: head of a new household, ISO date
        [
            "陈明",
            make_id("330723", BABY, 11),
            "男",
            "2023-01-05",
            "汉族",
            "13900000011",
            g11,
            "溪南小区",
            "2幢",
            "1",
            "302",
            "H100",
            "户主",
            "独居老人",
            "新生儿",
        ],
        # 3: same household, 2023/1/5
        [
            "陈亮",
            make_id("330723", BABY, 13),
            "男",
            "2023/1/5",
            "汉",
            "13900000013",
            g11,
            "溪南小区",
            "2幢",
            "1",
            "302",
            "H100",
            "子",
            "",
            "",
        ],
        # 4: 20230105 as text, a new building in another grid
        [
            "林小红",
            make_id("330723", BABY, 14),
            "女",
            "20230105",
            "汉族",
            "",
            g12,
            "溪北小区",
            "5幢",
            "",
            "101",
            "",
            "",
            "",
            "",
        ],
        # 5: 2023年1月5日
        [
            "周一",
            make_id("330723", BABY, 15),
            "",
            "2023年1月5日",
            "",
            "",
            g12,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        # 6: a real Excel date cell
        [
            "吴二",
            make_id("330723", BABY, 17),
            "男",
            dt.datetime(2023, 1, 5),
            "",
            "",
            g12,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        # 7: wrong check digit
        [
            "郑三",
            bad_check_digit(make_id("330723", BABY, 19)),
            "",
            "",
            "",
            "",
            g11,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        # 8: impossible birth date (1999-02-31)
        ["王四", impossible, "", "", "", "", g11, "", "", "", "", "", "", "", ""],
        # 9: the same person as row 2
        [
            "陈明",
            make_id("330723", BABY, 11),
            "男",
            "2023-01-05",
            "",
            "",
            g11,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        # 10: already stored, nothing changed → unchanged
        [
            "张伟",
            pii.plaintext_id_number(a11),
            "",
            "",
            "",
            "13800000001",
            g11,
            "溪南小区",
            "1幢",
            "1",
            "301",
            "Ha11",
            "户主",
            "",
            "",
        ],
        # 11: already stored, new phone → updated
        [
            "李娜",
            pii.plaintext_id_number(a12),
            "",
            "",
            "",
            "13900000099",
            g12,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        # 12: unknown grid
        [
            "孙五",
            make_id("330723", BABY, 21),
            "",
            "",
            "",
            "",
            "330723001001099",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        # 13: bad phone
        ["钱六", make_id("330723", BABY, 23), "", "", "", "12345", g11, "", "", "", "", "", "", "", ""],
        # 14: no name
        ["", make_id("330723", BABY, 25), "", "", "", "", g11, "", "", "", "", "", "", "", ""],
        # 15: unknown tag
        ["赵七", make_id("330723", BABY, 27), "", "", "", "", g11, "", "", "", "", "", "", "未知标签", ""],
        # 16: blank, skipped without a count
        [None] * len(HEADERS),
    ]


def write_xlsx(
    path: Path, rows: list[list[Any]], headers: list[str] = HEADERS, title: str | None = None
) -> Path:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[Any]], *, encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(
            ["2023-01-05" if isinstance(v, dt.datetime) else ("" if v is None else v) for v in row]
        )
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def expected_errors(county: County) -> list[tuple[int, str, str]]:
    return [
        (7, "身份证号码", zh("ID number check digit is wrong.")),
        (8, "身份证号码", zh("ID number contains an impossible birth date.")),
        (9, "身份证号码", "与第2行重复（证件号码相同）"),
        (12, "网格编码", "网格编码“330723001001099”不存在"),
        (
            13,
            "手机号码",
            zh("Phone number is not valid (11-digit mobile or landline such as 0579-87654321)."),
        ),
        (14, "姓名", zh("Name is required.")),
        (15, "人员标签", "未知的标签“未知标签”"),
    ]


def read_report(path: Path) -> list[tuple[Any, ...]]:
    wb = load_workbook(path, read_only=True)
    rows = [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    return rows


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_dirty_file_stores_good_rows_and_reports_every_bad_row(
    county: County, tmp_path: Path, kind: str
) -> None:
    rows = dirty_rows(county)
    source = (
        write_xlsx(tmp_path / "in.xlsx", rows) if kind == "xlsx" else write_csv(tmp_path / "in.csv", rows)
    )
    before = Resident.objects.count()

    result = run_import(source, by=System("test"))

    assert (result.created, result.updated, result.unchanged, result.failed) == (5, 1, 1, 7)
    assert Resident.objects.count() == before + 5
    assert [(e.row, e.column, e.reason) for e in result.errors] == expected_errors(county)

    report = tmp_path / "errors.xlsx"
    error_report(result.errors, report)
    assert read_report(report) == [("行号", "列名", "原因"), *expected_errors(county)]

    # Every date format became the same birth date; the ID number is stored encrypted, the digest finds it.
    babies = Resident.objects.filter(name__in=["陈明", "陈亮", "林小红", "周一", "吴二"])
    assert sorted({r.birth_date for r in babies}) == [BABY]
    chen = Resident.objects.get(id_number_digest=pii.id_digest(make_id("330723", BABY, 11)))
    assert chen.id_number_masked.startswith("330723") and "*" in chen.id_number_masked
    assert chen.grid == county.grid_a1_1 and chen.dwelling.room == "302" and chen.dwelling.unit == "1"
    assert chen.dwelling.building.estate == "溪南小区" and chen.dwelling.building.name == "2幢"
    assert [t.code for t in chen.tags.all()] == ["elderly_alone"]
    household = Household.objects.get(community=county.community_a1, number="H100")
    assert household.head == chen
    assert set(household.members.values_list("name", flat=True)) == {"陈明", "陈亮"}
    assert Resident.objects.get(name="陈亮").relation_to_head == "20"
    lin = Resident.objects.get(name="林小红")
    assert (
        lin.dwelling.building.community == county.community_a1
        and lin.dwelling.building.grid == county.grid_a1_2
    )
    assert lin.dwelling.unit == "" and lin.gender == "2"
    county.residents["a12"].refresh_from_db()
    assert pii.plaintext_phone(county.residents["a12"]) == "13900000099"
    assert county.residents["a12"].history.first().history_change_reason.startswith("批量导入")
    assert chen.history.count() == 1


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_running_the_same_file_again_creates_nothing(county: County, tmp_path: Path, kind: str) -> None:
    rows = dirty_rows(county)
    source = (
        write_xlsx(tmp_path / "in.xlsx", rows) if kind == "xlsx" else write_csv(tmp_path / "in.csv", rows)
    )
    run_import(source, by=System("test"))
    counts = (
        Resident.objects.count(),
        Building.objects.count(),
        Dwelling.objects.count(),
        Household.objects.count(),
    )

    again = run_import(source, by=System("test"))

    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 7, 7)
    assert counts == (
        Resident.objects.count(),
        Building.objects.count(),
        Dwelling.objects.count(),
        Household.objects.count(),
    )


def test_changed_fields_are_updated_and_blank_cells_erase_nothing(county: County, tmp_path: Path) -> None:
    g11 = county.grid_a1_1.code
    number = make_id("330723", dt.date(1970, 5, 6), 31)
    run_import(
        write_xlsx(
            tmp_path / "a.xlsx",
            [["马丁", number, "男", "", "", "13700000031", g11, "", "", "", "", "", "", "", "老备注"]],
        ),
        by=System("test"),
    )
    result = run_import(
        write_xlsx(
            tmp_path / "b.xlsx",
            [["马丁", number, "", "", "", "", g11, "", "", "", "", "", "", "独居老人", "新备注"]],
        ),
        by=System("test"),
    )
    assert (result.created, result.updated, result.unchanged, result.failed) == (0, 1, 0, 0)
    resident = Resident.objects.get(id_number_digest=pii.id_digest(number))
    assert resident.notes == "新备注"
    assert pii.plaintext_phone(resident) == "13700000031"  # the blank phone cell erased nothing
    assert [t.name for t in resident.tags.all()] == ["独居老人"]


def test_gbk_encoded_csv_is_read(county: County, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "gbk.csv", dirty_rows(county), encoding="gbk")
    result = run_import(source, by=System("test"))
    assert (result.created, result.updated, result.unchanged, result.failed) == (5, 1, 1, 7)
    assert Resident.objects.filter(name="林小红", hukou_address="").exists()


def test_title_row_above_the_header_and_synonyms(county: County, tmp_path: Path) -> None:
    headers = ["*姓名", "公民身份号码", "联系电话", "所属网格", "人员类型", "工作单位"]
    number = make_id("330723", dt.date(1988, 8, 8), 41)
    source = write_xlsx(
        tmp_path / "t.xlsx",
        [["黄河", number, "0579-87654321", county.grid_a1_1.code, "流动人口", "县医院"]],
        headers=headers,
        title="熟溪社区实有人口登记表",
    )
    result = run_import(source, by=System("test"))
    assert (result.created, result.failed) == (1, 0), result.errors
    resident = Resident.objects.get(name="黄河")
    assert resident.workplace == "县医院" and resident.residence_type == "floating"
    assert match_header("身份证号") == match_header("公民身份号码") == "id_number"
    assert match_header("手机号") == match_header("联系电话") == "phone"
    assert match_header("网格") == match_header("所属网格") == "grid"
    assert match_header("房号(门牌)") == "room"
    assert read_headers(source) == headers


def test_user_import_is_limited_to_their_scope(county: County, tmp_path: Path) -> None:
    worker = make_user("community_worker", county.community_a1)
    rows = [
        ["甲", make_id("330723", dt.date(1990, 1, 1), 51), "", "", "", "", county.grid_a1_1.code] + [""] * 8,
        ["乙", make_id("330723", dt.date(1990, 1, 1), 53), "", "", "", "", county.grid_b1_1.code] + [""] * 8,
        # stored in another street: refused, not moved
        ["刘洋", pii.plaintext_id_number(county.residents["b11"]), "", "", "", "", county.grid_a1_1.code]
        + [""] * 8,
    ]
    result = run_import(write_xlsx(tmp_path / "s.xlsx", rows), by=worker)
    assert (result.created, result.updated, result.unchanged, result.failed) == (1, 0, 0, 2)
    assert [(e.row, e.column) for e in result.errors] == [(3, "网格编码"), (4, "身份证号码")]
    assert "不在您的管辖范围内" in result.errors[0].reason
    county.residents["b11"].refresh_from_db()
    assert county.residents["b11"].grid == county.grid_b1_1


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_import_row_with_a_number_held_elsewhere_says_only_that_it_cannot_be_used_here(
    county: County, tmp_path: Path, dry_run: bool
) -> None:
    """An import was a bulk test of where ID numbers are registered (docs/security.md)."""
    worker = make_user("community_worker", county.community_a1)
    holder = county.residents["b11"]
    rows = [["冒用", pii.plaintext_id_number(holder), "", "", "", "", county.grid_a1_1.code] + [""] * 8]
    result = run_import(write_xlsx(tmp_path / "s.xlsx", rows), by=worker, dry_run=dry_run)
    [error] = result.errors
    assert error.column == "身份证号码" and "无法在此使用" in error.reason
    assert "管辖范围以外" not in error.reason and county.community_b1.name not in error.reason
    event = AuditEvent.objects.get(action="resident:id_conflict")
    assert event.actor == worker and event.target_id == str(holder.pk)
    assert event.area_path == holder.area_path


def test_dry_run_stores_nothing_but_counts_the_same(county: County, tmp_path: Path) -> None:
    source = write_xlsx(tmp_path / "in.xlsx", dirty_rows(county))
    counts = (Resident.objects.count(), Building.objects.count(), Household.objects.count())
    result = run_import(source, dry_run=True, by=System("test"))
    assert (result.created, result.updated, result.unchanged, result.failed) == (5, 1, 1, 7)
    assert counts == (Resident.objects.count(), Building.objects.count(), Household.objects.count())
    assert AuditEvent.objects.filter(action="resident:import", extra__dry_run=True).exists()


def test_small_batches_give_the_same_result(county: County, tmp_path: Path, settings: Any) -> None:
    settings.SHEQU_IMPORT_BATCH_SIZE = 2
    result = run_import(write_xlsx(tmp_path / "in.xlsx", dirty_rows(county)), by=System("test"))
    assert (result.created, result.updated, result.unchanged, result.failed) == (5, 1, 1, 7)
    assert Household.objects.get(number="H100").members.count() == 2


def test_import_is_audited(county: County, tmp_path: Path) -> None:
    run_import(write_xlsx(tmp_path / "in.xlsx", dirty_rows(county)), by=System("import"))
    event = AuditEvent.objects.get(action="resident:import")
    assert event.actor_name == "系统（批量导入）"
    assert event.extra["created"] == 5 and event.extra["failed"] == 7 and event.extra["file"] == "in.xlsx"
    assert event.area_path == county.community_a1.path  # the deepest node above the rows it stored


def test_template_has_dropdowns_for_coded_columns(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_bytes())
    wb = load_workbook(path)
    ws = wb["导入模板"]
    headers = [c.value for c in ws[1]]
    assert {"姓名", "公民身份号码", "所属网格", "民族", "与户主关系", "户号", "楼栋", "房号"} <= set(headers)
    validated = {str(dv.sqref).split(":")[0] for dv in ws.data_validations.dataValidation}
    letter = {h: ws.cell(row=1, column=i + 1).column_letter for i, h in enumerate(headers)}
    for header in ("民族", "政治面貌", "文化程度", "婚姻状况", "与户主关系", "性别"):
        assert f"{letter[header]}2" in validated
    codes_sheet = wb["代码表"]
    ethnicity = [c.value for c in codes_sheet[letter["民族"]] if c.value]
    assert "汉族" in ethnicity
    # the template, filled in, imports as it is
    assert read_headers(path) == headers


# --- the command ---------------------------------------------------------------------------------


def test_command_prints_bad_rows_then_the_summary_last(county: County, tmp_path: Path) -> None:
    source = write_xlsx(tmp_path / "in.xlsx", dirty_rows(county))
    report = tmp_path / "out" / "errors.xlsx"
    report.parent.mkdir()
    out = io.StringIO()
    call_command("import_residents", str(source), "--errors", str(report), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1] == "created=5 updated=1 unchanged=1 failed=7"
    assert "第7行 身份证号码: " + zh("ID number check digit is wrong.") in lines
    assert "第9行 身份证号码: 与第2行重复（证件号码相同）" in lines
    assert "第12行 网格编码: 网格编码“330723001001099”不存在" in lines
    assert read_report(report)[1:] == expected_errors(county)

    out = io.StringIO()
    call_command("import_residents", str(source), stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "created=0 updated=0 unchanged=7 failed=7"


def test_command_dry_run_and_user(county: County, tmp_path: Path) -> None:
    make_user("community_worker", county.community_a2, username="jiefang")
    source = write_xlsx(tmp_path / "in.xlsx", dirty_rows(county))
    out = io.StringIO()
    call_command("import_residents", str(source), "--dry-run", "--user", "jiefang", stdout=out)
    lines = out.getvalue().strip().splitlines()
    # Everything is in 熟溪社区, outside 解放社区's scope: every data row fails, nothing is stored.
    assert lines[-1] == "created=0 updated=0 unchanged=0 failed=14"
    assert not Resident.objects.filter(name="陈明").exists()
    with pytest.raises(CommandError):
        call_command("import_residents", str(source), "--user", "nobody", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("missing.xlsx", None),
        ("residents.txt", b"name\nfoo\n"),
        ("corrupt.xlsx", b"PK\x03\x04 this is not a workbook"),
        ("empty.csv", b""),
        ("no-header.csv", b"a,b,c\n1,2,3\n"),
    ],
)
def test_command_fails_when_the_file_cannot_be_read(
    db: Any, tmp_path: Path, name: str, content: bytes | None
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError):
        call_command("import_residents", str(path), stdout=io.StringIO())


# --- the pages ------------------------------------------------------------------------------------


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def logged_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def upload(client: Client, path: Path, **extra: Any) -> Any:
    with path.open("rb") as fh:
        return client.post(reverse("registry:import_start"), {"file": fh, **extra})


def test_page_flow_upload_progress_and_error_report(
    county: County, tmp_path: Path, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    head = make_user("community_head", county.community_a1)
    client = logged_in(head)
    assert client.get(reverse("registry:import_start")).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, write_xlsx(tmp_path / "社区名单.xlsx", dirty_rows(county)))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:import_job", args=[job.pk]
    )
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.message
    assert (job.created, job.updated, job.unchanged, job.failed) == (5, 1, 1, 7)
    assert job.processed_rows == job.total_rows == 14 and job.percent == 100
    assert job.created_by == head and job.original_name == "社区名单.xlsx"
    assert not job.file  # the upload with its plaintext numbers is not kept once imported

    page = client.get(reverse("registry:import_job", args=[job.pk]))
    assert page.status_code == 200
    assert b'data-count="created">5<' in page.content
    progress = client.get(reverse("registry:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert progress.status_code == 200
    assert b"hx-trigger" not in progress.content  # finished: polling stops
    assert reverse("registry:import_errors", args=[job.pk]).encode() in progress.content

    report = client.get(reverse("registry:import_errors", args=[job.pk]))
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    (tmp_path / "report.xlsx").write_bytes(report.content)
    assert read_report(tmp_path / "report.xlsx")[1:] == expected_errors(county)

    listing = client.get(reverse("registry:import_list"))
    assert listing.status_code == 200 and "社区名单.xlsx" in listing.content.decode()
    assert AuditEvent.objects.filter(action="resident:import", actor=head).count() == 1


def test_progress_partial_polls_while_the_job_runs(county: County, media: Path) -> None:
    head = make_user("community_head", county.community_a1)
    job = ImportJob.objects.create(
        created_by=head,
        original_name="x.xlsx",
        file="imports/x.xlsx",
        status=ImportStatus.RUNNING,
        total_rows=200,
        processed_rows=50,
        created=40,
    )
    response = logged_in(head).get(reverse("registry:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and reverse("registry:import_progress", args=[job.pk]) in body
    assert 'value="25"' in body and 'data-count="created">40<' in body


def test_page_mapping_step_for_unknown_headers(
    county: County, tmp_path: Path, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    worker = make_user("community_worker", county.community_a1)
    client = logged_in(worker)
    headers = ["姓名", "身份证号", "网格编码", "住址编号", "居民手机", "无关列"]
    number = make_id("330723", dt.date(1985, 4, 3), 61)
    source = write_xlsx(
        tmp_path / "m.xlsx",
        [["许仙", number, county.grid_a1_1.code, "H777", "13600000061", "x"]],
        headers=headers,
    )
    response = upload(client, source)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("registry:import_mapping", args=[job.pk])

    page = client.get(response["Location"])
    body = page.content.decode()
    assert "住址编号" in body and "居民手机" in body and "无关列" in body
    assert job.status == ImportStatus.PENDING

    # The same field twice is refused.
    refused = client.post(response["Location"], {"col_0": "household_number", "col_1": "name", "col_2": ""})
    assert refused.status_code == 200 and ImportJob.objects.get().status == ImportStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(response["Location"], {"col_0": "household_number", "col_1": "phone", "col_2": ""})
    assert done["Location"] == reverse("registry:import_job", args=[job.pk])
    job.refresh_from_db()
    assert job.mapping == {"住址编号": "household_number", "居民手机": "phone", "无关列": ""}
    assert (job.status, job.created, job.failed) == (ImportStatus.DONE, 1, 0)
    resident = Resident.objects.get(id_number_digest=pii.id_digest(number))
    assert resident.household.number == "H777" and pii.plaintext_phone(resident) == "13600000061"


def test_page_dry_run_then_import_for_real(
    county: County, tmp_path: Path, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    head = make_user("community_head", county.community_a1)
    client = logged_in(head)
    before = Resident.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, write_xlsx(tmp_path / "d.xlsx", dirty_rows(county)), dry_run="on")
    check = ImportJob.objects.get()
    assert (check.status, check.dry_run, check.created, check.failed) == (ImportStatus.DONE, True, 5, 7)
    assert Resident.objects.count() == before
    job_url = reverse("registry:import_job", args=[check.pk])
    assert (
        f'method="post" action="{job_url}"' in client.get(job_url).content.decode()
    )  # "import this file now"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import_job", args=[check.pk]))
    real = ImportJob.objects.exclude(pk=check.pk).get()
    assert response["Location"] == reverse("registry:import_job", args=[real.pk])
    real.refresh_from_db()
    assert (real.status, real.dry_run, real.created, real.failed) == (ImportStatus.DONE, False, 5, 7)
    assert Resident.objects.count() == before + 5


def _stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


def test_an_import_file_is_gone_when_its_job_ends_in_every_mode(
    county: County, tmp_path: Path, media: Path, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    """The probe fetched a checked sheet with plaintext ID numbers from disk (docs/security.md)."""
    client = logged_in(make_user("community_head", county.community_a1))
    source = write_xlsx(tmp_path / "居民信息.xlsx", dirty_rows(county))
    # A real import: gone at once.
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, source)
    assert ImportJob.objects.get().status == ImportStatus.DONE and _stored_files(media) == []
    # A check-only run with no time to keep: gone at once, and the page asks for the file again.
    settings.SHEQU_IMPORT_KEEP_CHECKED_MINUTES = 0
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, source, dry_run="on")
    check = ImportJob.objects.latest("pk")
    assert check.status == ImportStatus.DONE and _stored_files(media) == []
    job_url = reverse("registry:import_job", args=[check.pk])
    assert f'method="post" action="{job_url}"' not in client.get(job_url).content.decode()
    # A check-only run kept for "import it now" is deleted once its time is up.
    settings.SHEQU_IMPORT_KEEP_CHECKED_MINUTES = 60
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, source, dry_run="on")
    assert len(_stored_files(media)) == 1
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        client.force_login(ImportJob.objects.latest("pk").created_by)  # the idle session ended
        assert client.get(reverse("registry:import_start")).status_code == 200
    assert _stored_files(media) == []
    # A job that crashes midway keeps no file either.
    job = ImportJob.objects.create(
        file=ContentFile(source.read_bytes(), name="居民信息.xlsx"), original_name="居民信息.xlsx"
    )
    assert len(_stored_files(media)) == 1
    with (
        mock.patch.object(imports, "run_import", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        imports.run_job(job)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and _stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "content", "msgid"),
    [
        ("residents.pdf", b"%PDF-1.4", "Only .xlsx and .csv files can be imported."),
        ("empty.xlsx", b"", "The submitted file is empty."),  # Django's own check
        (
            "big.csv",
            b"x" * (2 * 1024 * 1024 + 1),
            "The file is too large (at most %(mb)d MB). Split it into several files.",
        ),
        ("corrupt.xlsx", b"PK\x03\x04 broken", None),
    ],
)
def test_bad_uploads_get_a_message_not_a_500(
    county: County, tmp_path: Path, media: Path, settings: Any, name: str, content: bytes, msgid: str | None
) -> None:
    settings.SHEQU_IMPORT_MAX_MB = 2
    client = logged_in(make_user("community_head", county.community_a1))
    path = tmp_path / name
    path.write_bytes(content)
    response = upload(client, path)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="errorlist' in body
    if msgid is None:
        assert "无法打开 Excel 文件" in body
        assert ImportJob.objects.get().status == ImportStatus.FAILED
    else:
        with translation.override("zh-hans"):
            expected = gettext(msgid) % {"mb": 2} if "%(mb)d" in msgid else gettext(msgid)
        assert expected in body
        assert not ImportJob.objects.exists()


def test_template_download(county: County) -> None:
    response = logged_in(make_user("community_head", county.community_a1)).get(
        reverse("registry:import_template")
    )
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb["导入模板"]["A1"].value == "姓名"


def test_import_pages_are_forbidden_without_the_import_permission(county: County, media: Path) -> None:
    leader = make_user("building_leader", county.grid_a1_1)
    head = make_user("community_head", county.community_a1)
    job = ImportJob.objects.create(created_by=head, original_name="x.xlsx", file="imports/x.xlsx")
    client = logged_in(leader)
    for name, args in [
        ("import_start", []),
        ("import_list", []),
        ("import_template", []),
        ("import_job", [job.pk]),
        ("import_mapping", [job.pk]),
        ("import_progress", [job.pk]),
        ("import_errors", [job.pk]),
    ]:
        assert client.get(reverse(f"registry:{name}", args=args)).status_code == 403, name
    # Another importer cannot see someone else's job.
    other = logged_in(make_user("community_worker", county.community_a1))
    assert other.get(reverse("registry:import_job", args=[job.pk])).status_code == 404
    # Anonymous users are sent to log in.
    assert Client().get(reverse("registry:import_start")).status_code == 302
