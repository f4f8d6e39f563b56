"""Registry exports: masked numbers, scope, restricted tags, audit, constant query count."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook

from shequ.accounts import roles
from shequ.accounts import scope as scope_module
from shequ.audit.models import AuditEvent
from shequ.core.errors import RuleError
from shequ.registry import pii
from shequ.registry.exports import buildings_xlsx, households_xlsx, residents_xlsx
from shequ.registry.models import Building, Household, Resident, TagType
from shequ.registry.selectors import buildings_visible_to, households_visible_to, residents_visible_to
from shequ.testing import County, add_resident, make_user


def sheet(response: Any) -> list[dict[str, Any]]:
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    headers = rows[0]
    return [dict(zip(headers, r, strict=False)) for r in rows[1:]]


def all_text(response: Any) -> str:
    """Every XML part of the .xlsx, so a plaintext number cannot hide in a shared string or a cell."""
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        return "".join(z.read(name).decode("utf-8", "replace") for name in z.namelist())


def test_resident_export_masks_numbers_and_names_codes(county: County) -> None:
    worker = make_user("community_worker", county.community_a1)
    response = residents_xlsx(worker, residents_visible_to(worker), filters={"q": "张"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet(response)
    assert {r["姓名"] for r in rows} == {"张伟", "李娜"}
    text = all_text(response)
    for key in ("a11", "a12"):
        resident = county.residents[key]
        number, phone = pii.plaintext_id_number(resident), pii.plaintext_phone(resident)
        assert number not in text and phone not in text
        assert number[-4:] in text  # the masked form is there
    zhang = next(r for r in rows if r["姓名"] == "张伟")
    assert zhang["公民身份号码"] == county.residents["a11"].id_number_masked
    assert "*" in zhang["公民身份号码"] and zhang["联系电话"] == "138****0001"
    assert zhang["与户主关系"] == "户主"
    assert zhang["性别"] == {"1": "男", "2": "女"}[county.residents["a11"].gender]
    assert zhang["小区"] == "溪南小区" and zhang["房号"] == "301" and zhang["户号"] == "Ha11"
    assert zhang["网格编码"] == county.grid_a1_1.code


def test_resident_export_leaves_out_rows_outside_the_export_scope(county: County) -> None:
    worker = make_user("community_worker", county.community_a1)
    # Even a queryset the caller forgot to scope is narrowed to the export scope.
    rows = sheet(residents_xlsx(worker, Resident.objects.all()))
    assert {r["姓名"] for r in rows} == {"张伟", "李娜"}
    assert "王芳" not in {r["姓名"] for r in rows} and "刘洋" not in {r["姓名"] for r in rows}


def test_restricted_tags_only_for_those_who_see_key_populations(county: County, monkeypatch: Any) -> None:
    head = make_user("community_head", county.community_a1)
    rows = sheet(residents_xlsx(head, residents_visible_to(head)))
    assert next(r for r in rows if r["姓名"] == "张伟")["标签"] == "独居老人、低保对象"
    assert TagType.objects.get(code="dibao").restricted

    # A role that may export but not see key populations gets only the open tags.
    narrowed = dict(roles.ROLE_PERMISSIONS)
    narrowed[roles.Role.COMMUNITY_WORKER] = narrowed[roles.Role.COMMUNITY_WORKER] - {
        roles.Perm.VIEW_KEY_POPULATIONS
    }
    monkeypatch.setattr(scope_module, "ROLE_PERMISSIONS", narrowed)
    worker = make_user("community_worker", county.community_a1)
    rows = sheet(residents_xlsx(worker, Resident.objects.all()))
    assert next(r for r in rows if r["姓名"] == "张伟")["标签"] == "独居老人"


def test_export_is_audited_with_row_count_and_filters(county: County) -> None:
    worker = make_user("community_worker", county.community_a1)
    residents_xlsx(worker, residents_visible_to(worker), filters={"grid": "1", "q": "330723198001011234"})
    event = AuditEvent.objects.get(action="resident:export")
    assert event.actor == worker
    assert event.extra["rows"] == 2
    assert event.extra["filters"]["grid"] == "1"
    assert "330723198001011234" not in str(event.extra)  # a searched ID number is kept masked


def test_export_needs_the_export_permission(county: County) -> None:
    leader = make_user("building_leader", county.grid_a1_1)
    for export, qs in (
        (residents_xlsx, Resident.objects.all()),
        (households_xlsx, Household.objects.all()),
        (buildings_xlsx, Building.objects.all()),
    ):
        with pytest.raises(RuleError):
            export(leader, qs)
    assert not AuditEvent.objects.filter(action__endswith=":export").exists()


def _add_residents(county: County, n: int) -> None:
    dwelling = county.residents["a11"].dwelling
    for i in range(n):
        add_resident(
            dwelling,
            f"居民{i}",
            birth=dt.date(1960, 1, 1) + dt.timedelta(days=i),
            sequence=i + 200,
            phone=f"139{i:08d}",
        )


@pytest.mark.parametrize("extra", [5, 50])
def test_resident_export_query_count_is_constant(
    county: County, django_assert_max_num_queries: Any, extra: int
) -> None:
    _add_residents(county, extra)
    worker = make_user("community_worker", county.community_a1)
    qs = residents_visible_to(worker)
    residents_xlsx(worker, qs)  # warm the code-table cache
    with django_assert_max_num_queries(3):  # residents, their tags, the audit record
        response = residents_xlsx(worker, residents_visible_to(worker))
    assert len(sheet(response)) == extra + 2


def test_household_and_building_exports(county: County, django_assert_max_num_queries: Any) -> None:
    _add_residents(county, 3)
    worker = make_user("community_worker", county.community_a1)
    with django_assert_max_num_queries(6):
        households = sheet(households_xlsx(worker, households_visible_to(worker)))
    assert {h["户号"] for h in households} == {"Ha11", "Ha12"}
    ha11 = next(h for h in households if h["户号"] == "Ha11")
    assert ha11["户主"] == "张伟" and ha11["户主联系电话"] == "138****0001"
    assert ha11["在住人数"] == 1
    with django_assert_max_num_queries(6):
        buildings = sheet(buildings_xlsx(worker, buildings_visible_to(worker)))
    assert {(b["小区"], b["楼栋"]) for b in buildings} == {("溪南小区", "1幢"), ("溪北小区", "1幢")}
    xinan = next(b for b in buildings if b["小区"] == "溪南小区")
    assert xinan["房屋数"] == 1 and xinan["在住人数"] == 4
    assert AuditEvent.objects.filter(action="household:export", extra__rows=2).exists()
    assert AuditEvent.objects.filter(action="building:export", extra__rows=2).exists()


def test_export_without_explicit_filters_audits_the_query(county: County) -> None:
    worker = make_user("community_worker", county.community_a1)
    rows = sheet(residents_xlsx(worker, residents_visible_to(worker).filter(name__contains="张")))
    assert [r["姓名"] for r in rows] == ["张伟"]
    event = AuditEvent.objects.get(action="resident:export")
    assert event.extra["rows"] == 1 and "张" in event.extra["filters"]["where"]
