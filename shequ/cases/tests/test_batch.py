"""Batch steps on the case list: dispatch several cases to one unit, or press on them (催办/督办),
one service call per case; each case refused or done on its own, reported in Chinese, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from shequ.audit.models import AuditEvent
from shequ.cases import services
from shequ.cases.models import Case, CaseStatus
from shequ.cases.testing import CaseWorld, advance, build_case_world, report
from shequ.core.actors import System

BATCH_URL = "/cases/batch/"


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


def in_b1(world: CaseWorld) -> Case:
    """A case in community b1, outside the a1 desk's scope."""
    return report(world, by=System("test"), building=world.county.buildings["b11"])


def audits(action: str, case: Case) -> int:
    return AuditEvent.objects.filter(action=action, target_id=str(case.pk)).count()


def test_dispatch_cases_refuses_wrong_state_and_out_of_scope_and_dispatches_the_rest(
    world: CaseWorld,
) -> None:
    ready = advance(world, report(world), CaseStatus.ACCEPTED)
    ready2 = advance(world, report(world), CaseStatus.ACCEPTED)
    fresh = report(world)  # not accepted yet: cannot be dispatched
    elsewhere = in_b1(world)
    services.accept_case(elsewhere, by=System("test"))
    with translation.override("zh-hans"):
        result = services.dispatch_cases(
            [ready, fresh, elsewhere, ready2], by=world.worker, unit=world.property_unit, note="请今日处理"
        )
    assert [o.label for o in result.done] == [ready.number, ready2.number]
    refused = {o.label: o.reason for o in result.refused}
    assert refused[fresh.number] == "该案件当前状态为“待立案”，无法执行此步骤；请刷新页面查看最新情况。"
    assert refused[elsewhere.number] == "您无权对该案件执行此操作。"
    statuses = dict(Case.objects.values_list("number", "status"))
    assert statuses[ready.number] == statuses[ready2.number] == CaseStatus.DISPATCHED
    assert statuses[fresh.number] == CaseStatus.REPORTED and statuses[elsewhere.number] == CaseStatus.ACCEPTED
    assert (audits("case:dispatch", ready), audits("case:dispatch", ready2)) == (1, 1)
    assert audits("case:dispatch", fresh) == 0 and audits("case:dispatch", elsewhere) == 0


def test_supervise_cases_presses_on_open_cases_and_refuses_closed_ones(world: CaseWorld) -> None:
    open_case = advance(world, report(world), CaseStatus.HANDLING)
    closed = advance(world, report(world), CaseStatus.CLOSED)
    result = services.supervise_cases([open_case, closed], by=world.street_admin, note="今天下班前办结")
    assert [o.label for o in result.done] == [open_case.number]
    assert [o.label for o in result.refused] == [closed.number]
    open_case.refresh_from_db()
    closed.refresh_from_db()
    assert (open_case.supervise_count, closed.supervise_count) == (1, 0)
    assert (audits("case:supervise", open_case), audits("case:supervise", closed)) == (1, 0)


def _post(client: Client, data: dict[str, Any]) -> str:
    response = client.post(BATCH_URL, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_batch_dispatch_page_reports_per_case_in_chinese(world: CaseWorld, client: Client) -> None:
    a1_case = advance(world, report(world), CaseStatus.ACCEPTED)
    a2_case = report(world, by=System("test"), building=world.county.buildings["a21"])
    services.accept_case(a2_case, by=System("test"))
    hidden = in_b1(world)  # outside street a: not even named in the report
    client.force_login(world.street_admin)
    html = _post(
        client,
        {
            "action": "dispatch",
            "unit": world.property_unit.pk,  # serves community a1 only
            "note": "",
            "ids": [a1_case.pk, a2_case.pk, hidden.pk],
        },
    )
    assert "派遣至熟溪物业服务中心" in html
    assert html.count('data-outcome="done"') == 1 and html.count('data-outcome="refused"') == 2
    assert f"{a2_case.number}</strong> — 未执行：熟溪物业服务中心不负责该地点。" in html
    assert f"#{hidden.pk}" in html and "未找到，或不在您的管辖范围内。" in html and hidden.number not in html
    statuses = dict(Case.objects.values_list("pk", "status"))
    assert statuses[a1_case.pk] == CaseStatus.DISPATCHED and statuses[a2_case.pk] == CaseStatus.ACCEPTED


def test_batch_remind_needs_a_note_and_changes_nothing_without_one(world: CaseWorld, client: Client) -> None:
    case = advance(world, report(world), CaseStatus.HANDLING)
    client.force_login(world.worker)
    html = _post(client, {"action": "supervise", "note": "  ", "ids": [case.pk]})
    assert "请写明督办要求及完成期限。" in html
    case.refresh_from_db()
    assert case.supervise_count == 0
    html = _post(client, {"action": "supervise", "note": "请尽快", "ids": [case.pk]})
    case.refresh_from_db()
    assert case.supervise_count == 1 and 'data-outcome="done"' in html


def test_case_list_shows_the_batch_bar_to_the_desk_only(world: CaseWorld, client: Client) -> None:
    report(world)
    client.force_login(world.worker)
    html = client.get("/cases/").content.decode()
    assert 'x-data="batchSelect"' in html and html.count("data-batch-row") == 1
    assert "熟溪物业服务中心" in html and "催办所选" in html
    client.force_login(world.handler)  # a handler handles; the desk dispatches
    html = client.get("/cases/").content.decode()
    assert "data-batch-row" not in html
    assert client.post(BATCH_URL, {"action": "supervise", "note": "x", "ids": [1]}).status_code == 403


def test_batch_services_refuse_a_missing_actor(world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.ACCEPTED)
    with pytest.raises(TypeError, match="`by` is required"):
        services.dispatch_cases([case], by=None, unit=world.property_unit)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`by` is required"):
        services.supervise_cases([case], by=None, note="x")  # type: ignore[arg-type]
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and audits("case:dispatch", case) == 0
