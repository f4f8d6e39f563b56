"""Batch actions on the resident list: tag several residents (one `add_tag` each, each checked and
audited on its own) or export exactly the selected ones."""

from __future__ import annotations

import io
from typing import Any

from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from shequ.accounts import roles
from shequ.accounts import scope as scope_module
from shequ.accounts.roles import Perm, Role
from shequ.audit.models import AuditEvent
from shequ.registry import services
from shequ.registry.models import ResidentTag, TagType
from shequ.testing import County, make_user

BATCH_URL = "/registry/residents/batch/"
CHINESE_FORBIDDEN = "您无权在此范围内执行该操作。"


def tagged(tag: TagType) -> set[str]:
    return set(ResidentTag.objects.filter(tag=tag).values_list("resident__name", flat=True))


def tag_events(resident: Any) -> int:
    events = AuditEvent.objects.filter(action="resident:add_tag", target_id=str(resident.pk))
    return sum(1 for e in events if e.extra.get("tag") == "veteran")


def test_tag_residents_refuses_the_out_of_scope_one_and_tags_the_others(county: County) -> None:
    worker = make_user(Role.COMMUNITY_WORKER, county.community_a1)
    veteran = TagType.objects.get(code="veteran")
    r = county.residents
    with translation.override("zh-hans"):
        report = services.tag_residents([r["a11"], r["b11"], r["a12"]], tag=veteran, by=worker, note="复员")
        reasons = [o.reason for o in report.refused]
    assert [o.label for o in report.done] == ["张伟", "李娜"]
    assert [o.label for o in report.refused] == ["刘洋"]
    assert reasons == [CHINESE_FORBIDDEN]  # the service's own refusal, in Chinese
    assert tagged(veteran) == {"张伟", "李娜"}
    # One audit event per tagged resident, none for the refused one.
    assert (tag_events(r["a11"]), tag_events(r["a12"]), tag_events(r["b11"])) == (1, 1, 0)


def _post(client: Client, data: dict[str, Any], htmx: bool = True) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(BATCH_URL, data, headers=headers)


def test_batch_tag_page_reports_each_resident_in_chinese(county: County, client: Client) -> None:
    worker = make_user(Role.COMMUNITY_WORKER, county.community_a1)
    client.force_login(worker)
    r = county.residents
    ids = [r["a11"].pk, r["a12"].pk, r["b11"].pk]  # b11 lives in another community
    response = _post(client, {"action": "tag", "tag": "veteran", "note": "", "ids": ids})
    assert response.status_code == 200 and response["HX-Trigger"] == "batch-done"
    html = response.content.decode()
    assert "张伟" in html and "李娜" in html and "刘洋" not in html  # an out-of-scope name is never shown
    assert f"#{r['b11'].pk}" in html and "未找到" in html
    assert html.count('data-outcome="done"') == 2 and html.count('data-outcome="refused"') == 1
    assert tagged(TagType.objects.get(code="veteran")) == {"张伟", "李娜"}


def test_batch_tag_without_htmx_redirects_with_messages(county: County, client: Client) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    response = _post(
        client, {"action": "tag", "tag": "veteran", "ids": [county.residents["a11"].pk]}, htmx=False
    )
    assert response.status_code == 302 and response["Location"] == "/registry/residents/"
    assert tagged(TagType.objects.get(code="veteran")) == {"张伟"}


def test_batch_with_nothing_selected_changes_nothing(county: County, client: Client) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    response = _post(client, {"action": "tag", "tag": "veteran"})
    assert "请至少选择一行。" in response.content.decode()
    assert not ResidentTag.objects.filter(tag__code="veteran").exists()


def test_restricted_tag_needs_the_key_population_role(
    county: County, client: Client, monkeypatch: Any
) -> None:
    narrowed = dict(roles.ROLE_PERMISSIONS)
    narrowed[Role.COMMUNITY_WORKER] = narrowed[Role.COMMUNITY_WORKER] - {Perm.VIEW_KEY_POPULATIONS}
    monkeypatch.setattr(scope_module, "ROLE_PERMISSIONS", narrowed)
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    response = _post(client, {"action": "tag", "tag": "tekun", "ids": [county.residents["a11"].pk]})
    assert "请选择标签" in response.content.decode()  # a restricted tag is not even a choice
    assert not ResidentTag.objects.filter(tag__code="tekun").exists()


def test_export_of_selected_residents_holds_exactly_those_rows(county: County, client: Client) -> None:
    head = make_user(Role.STREET_ADMIN, county.street_a)  # sees a11, a12 and a21
    client.force_login(head)
    r = county.residents
    response = client.post(BATCH_URL, {"action": "export", "ids": [r["a11"].pk, r["a21"].pk, r["b11"].pk]})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    names = [dict(zip(rows[0], row, strict=False))["姓名"] for row in rows[1:]]
    assert sorted(names) == sorted(["张伟", "王芳"])  # b11 is outside the street: not exported
    event = AuditEvent.objects.get(action="resident:export")
    assert event.extra["rows"] == 2 and str(r["a11"].pk) in event.extra["filters"]["selected"]
    assert event.area_path == county.street_a.path


def test_list_offers_checkboxes_with_labels(county: County, client: Client) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    html = client.get("/registry/residents/").content.decode()
    assert 'x-data="batchSelect"' in html and "data-batch-all" in html
    assert html.count("data-batch-row") == 2 and 'aria-label="选择 张伟"' in html


def test_a_building_leader_gets_no_batch_bar_and_cannot_export(county: County, client: Client) -> None:
    client.force_login(make_user(Role.BUILDING_LEADER, county.micro_a1_1_1))
    html = client.get("/registry/residents/").content.decode()
    assert "data-batch-row" not in html
    response = client.post(BATCH_URL, {"action": "export", "ids": [county.residents["a11"].pk]})
    assert response.status_code == 403 and not AuditEvent.objects.filter(action="resident:export").exists()
