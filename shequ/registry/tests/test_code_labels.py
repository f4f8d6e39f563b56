"""Coded fields as community workers type them, through every way in: an .xlsx import, the API and
the resident form. Each value is stored as the code it names, never as a code whose name it
begins or ends like; an unknown value is an error naming the closest valid values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from knox.models import AuthToken
from openpyxl import Workbook
from rest_framework.test import APIClient

from shequ.accounts.roles import Role
from shequ.core.actors import System
from shequ.core.idnumber import make as make_id
from shequ.registry import pii
from shequ.registry.imports import run_import
from shequ.registry.models import Household, Resident
from shequ.registry.validation import clean_resident
from shequ.testing import County, make_user

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号码", "民族", "政治面貌", "文化程度", "与户主关系", "网格编码", "户号"]

# (name, ethnicity, political status, education, relation as typed) -> the codes stored.
GOOD_ROWS = [
    (("陈建国", "汉族", "中共党员", "本科", "户主"), ("01", "01", "20", "02")),
    (("王志强", "土", "民革", "21", "女婿"), ("30", "04", "21", "28")),
    (("李秀英", "维族", "无党派民主人士", "普通高中", "儿媳"), ("05", "12", "61", "38")),
    (("陈小明", "汉", "民盟", "中等专科", "儿子"), ("01", "05", "41", "20")),
    (("赵德胜", "土家族", "群众", "技工学校", "丈夫"), ("15", "13", "47", "11")),
    (("陈乐乐", "回族", "共青团员", "未上过学", "养子"), ("03", "03", "90", "27")),
    (("陈晓", "０１", "13", "61", "户主本人"), ("01", "13", "61", "02")),
]


def birth(i: int) -> dt.date:
    return dt.date(1960 + i, 3, 1 + i)


def write_sheet(path: Path, county: County, extra: list[list[Any]] = ()) -> Path:  # type: ignore[assignment]
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for i, ((name, *typed), _codes) in enumerate(GOOD_ROWS):
        household = "H9000" if i < 6 else "H9001"
        ws.append([name, make_id("330723", birth(i), 100 + i), *typed, county.grid_a1_1.code, household])
    for row in extra:
        ws.append(row)
    wb.save(path)
    return path


def stored(name: str) -> tuple[str, str, str, str]:
    r = Resident.objects.get(name=name)
    return (r.ethnicity, r.political_status, r.education, r.relation_to_head)


def test_an_imported_xlsx_stores_the_code_each_label_names(county: County, tmp_path: Path) -> None:
    bad = [
        ["周外孙", make_id("330723", birth(20), 120), "汉族", "群众", "初中", "外孙", county.grid_a1_1.code, "H9000"],
        ["吴土家", make_id("330723", birth(21), 121), "土家族族", "党", "小学", "女", county.grid_a1_1.code, ""],
    ]  # fmt: skip
    with translation.override("zh-hans"):
        result = run_import(write_sheet(tmp_path / "people.xlsx", county, bad), by=System("import"))

    assert (result.created, result.failed) == (len(GOOD_ROWS), 2)
    for (name, *_typed), codes in GOOD_ROWS:
        assert stored(name) == codes, name
    household = Household.objects.get(community=county.community_a1, number="H9000")
    assert household.head is not None and household.head.name == "陈建国"

    errors = {(e.row, e.column): e.reason for e in result.errors}
    first_bad = len(GOOD_ROWS) + 2  # spreadsheet row of the first bad row
    assert set(errors) == {(first_bad, "与户主关系"), (first_bad + 1, "民族"), (first_bad + 1, "政治面貌")}
    assert "“外孙”" in errors[(first_bad, "与户主关系")]
    assert (
        "43 外孙子" in errors[(first_bad, "与户主关系")] and "44 外孙女" in errors[(first_bad, "与户主关系")]
    )
    assert "15 土家族" in errors[(first_bad + 1, "民族")]
    assert "01 中国共产党党员" in errors[(first_bad + 1, "政治面貌")]
    assert not Resident.objects.filter(name__in=["周外孙", "吴土家"]).exists()


NEW_ID = make_id("330723", dt.date(1991, 7, 8), 31)


def api_client(county: County) -> APIClient:
    head = make_user(Role.COMMUNITY_HEAD, county.community_a1)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    _instance, token_key = AuthToken.objects.create(user=head)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    return client


def test_the_api_stores_the_code_each_label_names(county: County) -> None:
    client = api_client(county)
    payload = {
        "name": "王志强",
        "id_number": NEW_ID,
        "community": county.community_a1.code,
        "ethnicity": "土",
        "political_status": "民盟",
        "education": "技工学校",
        "relation_to_head": "女婿",
    }
    response = client.post("/api/v1/residents/", payload, format="json")
    assert response.status_code == 201, response.content
    r = Resident.objects.get(id_number_digest=pii.id_digest(NEW_ID))
    assert (r.ethnicity, r.political_status, r.education, r.relation_to_head) == ("30", "05", "47", "28")
    body = client.get(f"/api/v1/residents/{r.pk}/").json()
    assert body["relation_to_head"] == {"code": "28", "label": "女婿"}
    assert body["ethnicity"] == {"code": "30", "label": "土族"}

    changed = client.patch(
        f"/api/v1/residents/{r.pk}/",
        {
            "relation_to_head": "儿子",
            "political_status": "无党派民主人士",
            "education": "61",
            "reason": "更正",
        },
        format="json",
    )
    assert changed.status_code == 200, changed.content
    r.refresh_from_db()
    assert (r.relation_to_head, r.political_status, r.education) == ("20", "12", "61")


@pytest.mark.parametrize(
    ("field", "typed", "named"),
    [
        ("relation_to_head", "女胥", "28 女婿"),
        ("relation_to_head", "外孙", "43 外孙子"),
        ("ethnicity", "土家族族", "15 土家族"),
        ("political_status", "中国共产党", "02 中国共产党预备党员"),
        ("education", "大学本", "20 大学本科教育"),
    ],
)
def test_the_api_refuses_an_unknown_label_naming_close_values(
    county: County, field: str, typed: str, named: str
) -> None:
    client = api_client(county)
    before = Resident.objects.count()
    payload = {"name": "赵敏", "id_number": NEW_ID, "community": county.community_a1.code, field: typed}
    response = client.post("/api/v1/residents/", payload, format="json")
    assert response.status_code == 400, response.content
    [message] = response.json()["fields"][field]
    assert f"“{typed}”" in message and named in message
    assert Resident.objects.count() == before


@pytest.fixture
def worker_client(client: Client, county: County) -> Client:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1, username="worker_codes"))
    return client


def edit(client: Client, resident: Resident, **fields: str) -> Any:
    data = {
        "name": resident.name,
        "gender": resident.gender,
        "birth_date": resident.birth_date.isoformat() if resident.birth_date else "",
        "residence_type": resident.residence_type,
        "reason": "入户核实",
        **fields,
    }
    return client.post(reverse("registry:resident_edit", args=[resident.pk]), data)


def test_the_resident_form_offers_and_takes_the_new_codes(worker_client: Client, county: County) -> None:
    r = county.residents["a11"]
    page = worker_client.get(reverse("registry:resident_edit", args=[r.pk])).content.decode()
    assert '<option value="28">女婿</option>' in page
    assert '<option value="12">无党派民主人士</option>' in page

    assert (
        edit(worker_client, r, relation_to_head="28", education="21", political_status="12").status_code
        == 302
    )
    r.refresh_from_db()
    assert (r.relation_to_head, r.education, r.political_status) == ("28", "21", "12")

    # A typed label is taken as the import takes it.
    assert (
        edit(worker_client, r, relation_to_head="儿子", ethnicity="土", political_status="民革").status_code
        == 302
    )
    r.refresh_from_db()
    assert (r.relation_to_head, r.ethnicity, r.political_status) == ("20", "30", "04")


def test_the_resident_form_refuses_an_unknown_label_naming_close_values(
    worker_client: Client, county: County
) -> None:
    r = county.residents["a11"]
    response = edit(worker_client, r, relation_to_head="女胥")
    assert response.status_code == 200
    page = response.content.decode()
    assert "errorlist" in page and "28 女婿" in page
    r.refresh_from_db()
    assert r.relation_to_head != "30"


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("户籍人口", "registered"),
        ("流动人口", "floating"),
        ("registered", "registered"),
        ("户籍", "registered"),  # a declared short form
        ("户籍人", None),  # a prefix of 户籍人口 is not taken for it
        ("流动人口口", None),
    ],
)
def test_choice_labels_match_whole_never_by_prefix(db: Any, typed: str, found: str | None) -> None:
    with translation.override("zh-hans"):
        cleaned = clean_resident({"residence_type": typed}, partial=True)
    if found is None:
        assert "residence_type" in cleaned.errors
    else:
        assert cleaned.data["residence_type"] == found and not cleaned.errors
