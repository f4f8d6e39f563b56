"""One audit trail: every write verb of registry, cases and accounts writes exactly one audit
record, filed under the place it touched, and every service refuses a missing actor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shequ.accounts import services as accounts
from shequ.accounts.models import RoleAssignment
from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.cases import services as cases
from shequ.cases.models import (
    CaseStatus,
    CaseWarning,
    EscalationAction,
    Satisfaction,
    Stage,
    UnitKind,
    Urgency,
)
from shequ.cases.testing import CaseWorld, advance, build_case_world, first_building, report
from shequ.core.actors import System
from shequ.core.idnumber import make as make_id
from shequ.insight import services as insight
from shequ.registry import services as registry
from shequ.registry.models import Household, LifeEventKind, TagType
from shequ.testing import PASSWORD, make_user
from shequ.workdays import services as calendar_services

pytestmark = pytest.mark.django_db

SYSTEM = System("test")


def html(response: Any) -> str:
    return response.content.decode()


Verb = Callable[[Any], Any]  # the verb under test, waiting for its actor


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


def _new_resident(w: CaseWorld, serial: int) -> Any:
    dwelling = w.county.buildings["a11"].dwellings.first()
    data = {"name": "赵敏", "id_number": make_id("330723", dt.date(1990, 6, 15), serial)}
    return registry.register_resident(
        by=SYSTEM, community=w.county.community_a1, dwelling=dwelling, fields=data
    )


def _spare_tag(resident: Any) -> TagType:
    return TagType.objects.exclude(links__resident=resident).order_by("pk").first()  # type: ignore[return-value]


def _empty_household(w: CaseWorld) -> Household:
    return registry.create_household(community=w.county.community_a1, number="H-EMPTY", by=SYSTEM)


def _household_with_member(w: CaseWorld) -> tuple[Household, Any]:
    member = _new_resident(w, 31)
    household = registry.create_household(community=w.county.community_a1, number="H-NEW", by=SYSTEM)
    registry.record_life_event(
        member, kind=LifeEventKind.CHANGE_HOUSEHOLD, date=dt.date(2025, 1, 2), household=household, by=SYSTEM
    )
    member.refresh_from_db()
    return household, member


def _case_at(w: CaseWorld, status: str) -> Any:
    return advance(w, report(w), status)


def _warning(w: CaseWorld) -> CaseWarning:
    case = report(w)
    return CaseWarning.objects.create(
        category=case.category,
        community=case.community,
        building=case.building,
        area_path=case.area_path,
        window_days=30,
        case_count=3,
        last_case=case,
    )


def _prepare_registry(name: str, w: CaseWorld) -> Verb:
    c = w.county
    a11, a12 = c.residents["a11"], c.residents["a12"]
    if name == "create_area":
        return lambda by: registry.create_area(
            code="330723001009", name="新区社区", level="community", parent=c.street_a, by=by
        )
    if name == "create_grid":
        return lambda by: registry.create_grid(community=c.community_a2, sequence=7, name="第七网格", by=by)
    if name == "change_grid_boundary":
        return lambda by: registry.change_grid_boundary(
            c.grid_a1_2, boundary=c.grid_a1_2.boundary, by=by, reason="重新勘界"
        )
    if name == "create_micro_grid":
        return lambda by: registry.create_micro_grid(grid=c.grid_a1_2, sequence=1, name="二网格1号", by=by)
    if name == "create_building":
        return lambda by: registry.create_building(
            community=c.community_a1, grid=c.grid_a1_2, name="9幢", address="武义县溪北小区9幢", by=by
        )
    if name == "register_resident":
        dwelling = c.buildings["a11"].dwellings.first()
        data = {"name": "钱芳", "id_number": make_id("330723", dt.date(1988, 3, 9), 42)}
        return lambda by: registry.register_resident(
            by=by, community=c.community_a1, dwelling=dwelling, fields=data
        )
    if name == "update_resident":
        return lambda by: registry.update_resident(a12, by=by, fields={"name": "李娜娜"}, reason="更正姓名")
    if name == "reveal_pii":
        return lambda by: registry.reveal_pii(a11, by=by, purpose="verify_identity", note="核实身份")
    if name == "record_life_event":
        return lambda by: registry.record_life_event(
            a12, kind=LifeEventKind.MOVE_OUT, date=dt.date(2025, 5, 1), by=by
        )
    if name == "add_tag":
        tag = _spare_tag(a11)
        return lambda by: registry.add_tag(a11, tag=tag, by=by)
    if name == "remove_tag":
        tag = TagType.objects.get(code="elderly_alone")
        return lambda by: registry.remove_tag(a11, tag=tag, by=by, reason="已不独居")
    if name == "create_household":
        return lambda by: registry.create_household(community=c.community_a1, number="H-0099", by=by)
    if name == "set_household_head":
        household, member = _household_with_member(w)
        return lambda by: registry.set_household_head(household, head=member, by=by)
    if name == "dissolve_household":
        household = _empty_household(w)
        return lambda by: registry.dissolve_household(household, by=by)
    raise AssertionError(name)


def _prepare_accounts(name: str, w: CaseWorld) -> Verb:
    c = w.county
    if name == "create_user":
        return lambda by: accounts.create_user(
            username="newcomer", password=PASSWORD, role=Role.COMMUNITY_WORKER, node=c.community_a2, by=by
        )
    if name == "create_admin_user":
        return lambda by: accounts.create_user(username="boss", password=PASSWORD, role=Role.ADMIN, by=by)
    if name == "assign_role":
        return lambda by: accounts.assign_role(w.worker, role=Role.GRID_WORKER, node=c.grid_a1_2, by=by)
    if name == "remove_assignment":
        assignment = RoleAssignment.objects.get(user=w.worker)
        return lambda by: accounts.remove_assignment(assignment, by=by)
    if name == "set_password":
        return lambda by: accounts.set_password(w.worker, password="Another-Pass-2026!", by=by)
    if name == "unlock_user":
        return lambda by: accounts.unlock_user(w.worker, by=by)
    if name == "deactivate_user":
        return lambda by: accounts.deactivate_user(w.worker, by=by)
    if name == "issue_api_token":
        return lambda by: accounts.issue_api_token(w.worker, by=by, ip_address="10.1.2.3")
    if name == "revoke_api_token":
        _key, token = accounts.issue_api_token(w.worker, by=SYSTEM)
        return lambda by: accounts.revoke_api_token(token, by=by, ip_address="10.1.2.3")
    if name == "revoke_all_api_tokens":
        accounts.issue_api_token(w.worker, by=SYSTEM)
        return lambda by: accounts.revoke_all_api_tokens(w.worker, by=by, ip_address="10.1.2.3")
    raise AssertionError(name)


def _prepare_cases(name: str, w: CaseWorld) -> Verb:
    c = w.county
    s = cases
    steps: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {
        "accept_case": (CaseStatus.REPORTED, lambda case, by: s.accept_case(case, by=by)),
        "refuse_case": (CaseStatus.REPORTED, lambda case, by: s.refuse_case(case, by=by, reason="不属实")),
        "dispatch_case": (
            CaseStatus.ACCEPTED,
            lambda case, by: s.dispatch_case(case, by=by, unit=w.property_unit, co_units=[w.department]),
        ),
        "take_case": (CaseStatus.DISPATCHED, lambda case, by: s.take_case(case, by=by)),
        "return_case": (
            CaseStatus.DISPATCHED,
            lambda case, by: s.return_case(case, by=by, reason="非本单位"),
        ),
        "reply_case": (CaseStatus.HANDLING, lambda case, by: s.reply_case(case, by=by, note="已清运")),
        "assist_case": (CaseStatus.HANDLING, lambda case, by: s.assist_case(case, by=by, note="协助清运")),
        "verify_case": (CaseStatus.REPLIED, lambda case, by: s.verify_case(case, by=by, passed=True)),
        "evaluate_case": (
            CaseStatus.TO_EVALUATE,
            lambda case, by: s.evaluate_case(
                case, by=by, satisfaction=Satisfaction.SATISFIED, reporter_phone="13800138000"
            ),
        ),
        "escalate_case": (
            CaseStatus.REPORTED,
            lambda case, by: s.escalate_case(case, by=by, reason="超出社区能力"),
        ),
        "suspend_case": (
            CaseStatus.ACCEPTED,
            lambda case, by: s.suspend_case(case, by=by, reason="等待法院判决"),
        ),
        "supervise_case": (
            CaseStatus.DISPATCHED,
            lambda case, by: s.supervise_case(case, by=by, note="请三日内办结"),
        ),
        "comment_case": (
            CaseStatus.ACCEPTED,
            lambda case, by: s.comment_case(case, by=by, note="已电话联系"),
        ),
        "correct_case": (
            CaseStatus.ACCEPTED,
            lambda case, by: s.correct_case(case, by=by, reason="紧急", urgency=Urgency.URGENT),
        ),
    }
    if name in steps:
        status, step = steps[name]
        case = _case_at(w, status)
        if name == "assist_case":
            case.co_units.add(w.department)
        return lambda by: step(case, by)
    if name == "report_case":
        return lambda by: s.report_case(
            by=by,
            category=w.category,
            description="楼道灯坏了一个星期",
            source="grid",
            building=first_building(w),
            reporter_phone="13800138001",
        )
    if name == "resume_case":
        case = cases.suspend_case(_case_at(w, CaseStatus.ACCEPTED), by=SYSTEM, reason="等待判决")
        return lambda by: s.resume_case(case, by=by)
    if name == "merge_case":
        first, duplicate = report(w), report(w)
        return lambda by: s.merge_case(duplicate, into=first, by=by)
    if name == "save_category":
        return lambda by: s.save_category(by=by, category=w.category, accept_hours=Decimal(3))
    if name == "save_unit":
        return lambda by: s.save_unit(by=by, name="熟溪环卫所", kind=UnitKind.DEPARTMENT, area=c.community_a1)
    if name == "add_unit_member":
        return lambda by: s.add_unit_member(by=by, unit=w.property_unit, user=w.worker)
    if name == "remove_unit_member":
        return lambda by: s.remove_unit_member(by=by, unit=w.property_unit, user=w.handler2)
    if name == "create_open311_key":
        return lambda by: s.create_open311_key(by=by, name="12345 热线")
    if name == "deactivate_open311_client":
        client, _key = cases.create_open311_key(by=SYSTEM, name="旧系统")
        return lambda by: s.deactivate_open311_client(client, by=by)
    if name == "save_escalation_rule":
        return lambda by: s.save_escalation_rule(
            by=by, stage=Stage.DISPATCH, overdue_hours=37, action=EscalationAction.REMIND
        )
    if name == "acknowledge_warning":
        warning = _warning(w)
        return lambda by: s.acknowledge_warning(warning, by=by)
    raise AssertionError(name)


# verb → (the action it writes, how to prepare it). Verbs whose action is county-wide
# configuration or a county-level account are filed with no area: admins alone see them.
VERBS: dict[str, tuple[str, Callable[[str, CaseWorld], Verb]]] = {
    **{
        name: (action, _prepare_registry)
        for name, action in {
            "create_area": "area:create",
            "create_grid": "grid:create",
            "change_grid_boundary": "grid:change_boundary",
            "create_micro_grid": "micro_grid:create",
            "create_building": "building:create",
            "register_resident": "resident:register",
            "update_resident": "resident:update",
            "reveal_pii": "resident:reveal",
            "record_life_event": "resident:life_event",
            "add_tag": "resident:add_tag",
            "remove_tag": "resident:remove_tag",
            "create_household": "household:create",
            "set_household_head": "household:set_head",
            "dissolve_household": "household:dissolve",
        }.items()
    },
    **{
        name: (action, _prepare_accounts)
        for name, action in {
            "create_user": "user:create",
            "create_admin_user": "user:create",
            "assign_role": "user:assign_role",
            "remove_assignment": "user:remove_role",
            "set_password": "user:set_password",
            "unlock_user": "user:unlock",
            "deactivate_user": "user:deactivate",
            "issue_api_token": "token:issue",
            "revoke_api_token": "token:revoke",
            "revoke_all_api_tokens": "token:revoke",
        }.items()
    },
    **{
        name: (action, _prepare_cases)
        for name, action in {
            "report_case": "case:report",
            "accept_case": "case:accept",
            "refuse_case": "case:refuse",
            "dispatch_case": "case:dispatch",
            "take_case": "case:take",
            "return_case": "case:return",
            "reply_case": "case:reply",
            "assist_case": "case:assist",
            "verify_case": "case:verify_pass",
            "evaluate_case": "case:evaluate",
            "escalate_case": "case:escalate",
            "suspend_case": "case:suspend",
            "resume_case": "case:resume",
            "merge_case": "case:merge",
            "supervise_case": "case:supervise",
            "comment_case": "case:comment",
            "correct_case": "case:correct",
            "save_category": "case_category:save",
            "save_unit": "handler_unit:save",
            "add_unit_member": "handler_unit:add_member",
            "remove_unit_member": "handler_unit:remove_member",
            "create_open311_key": "open311_client:create",
            "deactivate_open311_client": "open311_client:deactivate",
            "save_escalation_rule": "escalation_rule:save",
            "acknowledge_warning": "case_warning:acknowledge",
        }.items()
    },
}
GLOBAL = {
    "create_admin_user",  # a system admin has no area
    "save_category",  # the category tree is county-wide configuration
    "create_open311_key",
    "deactivate_open311_client",
    "save_escalation_rule",
}


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_every_write_verb_writes_one_audit_record_with_its_area(world: CaseWorld, verb: str) -> None:
    action, prepare = VERBS[verb]
    run = prepare(verb, world)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    run(SYSTEM)
    new = list(AuditEvent.objects.exclude(pk__in=before))
    assert [e.action for e in new] == [action]
    event = new[0]
    assert event.actor_name == "系统（test）"
    if verb in GLOBAL:
        assert event.area_path == ""
    else:
        assert event.area_path.startswith(world.county.district.path), event.area_path


# Services outside the parametrised write verbs that take an actor too.
OTHER_SERVICES: dict[str, Callable[[CaseWorld], Verb]] = {
    "run_import": lambda w: (
        lambda by: __import__("shequ.registry.imports", fromlist=["run_import"]).run_import(
            "/nonexistent.csv", by=by
        )
    ),
    "refresh_figures": lambda w: lambda by: insight.refresh_figures(by=by),
    "set_calendar_day": lambda w: (
        lambda by: calendar_services.set_calendar_day(
            date=dt.date(2031, 1, 6), kind="holiday", name="测试", by=by
        )
    ),
    "clear_calendar_day": lambda w: (
        lambda by: calendar_services.clear_calendar_day(date=dt.date(2031, 1, 6), by=by)
    ),
}


@pytest.mark.parametrize("verb", sorted([*VERBS, *OTHER_SERVICES]))
def test_every_service_refuses_a_missing_actor(world: CaseWorld, verb: str) -> None:
    run = OTHER_SERVICES[verb](world) if verb in OTHER_SERVICES else VERBS[verb][1](verb, world)
    before = AuditEvent.objects.count()
    with pytest.raises(TypeError, match="`by` is required"):
        run(None)
    assert AuditEvent.objects.count() == before


def test_a_job_acting_as_the_system_is_shown_as_the_system_with_its_name(world: CaseWorld) -> None:
    case = _case_at(world, CaseStatus.TO_EVALUATE)
    case.resolved_at = timezone.now() - dt.timedelta(days=30)
    case.save(update_fields=["resolved_at"])
    cases.run_clock()
    event = AuditEvent.objects.get(action="case:close", target_id=str(case.pk))
    assert event.actor_name == "系统（案件时钟）"
    client = Client()
    client.force_login(world.admin)
    assert "系统（案件时钟）" in html(client.get(reverse("audit:events"), {"action": "case:close"}))


def test_an_export_shows_in_the_audit_log_of_every_head_whose_scope_covers_it(world: CaseWorld) -> None:
    """Issue 11, finding 8: exports used to carry no area, so only the admin saw them."""
    c = world.county
    worker = make_user(Role.COMMUNITY_WORKER, c.community_a1)
    client = Client()
    client.force_login(worker)
    response = client.get(reverse("registry:residents_export"), REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    event = AuditEvent.objects.get(action="resident:export")
    assert event.area_path == c.community_a1.path and event.ip_address == "192.0.2.7"
    heads = {
        "community": make_user(Role.COMMUNITY_HEAD, c.community_a1),
        "street": make_user(Role.STREET_ADMIN, c.street_a),
        "district": make_user(Role.DISTRICT_ADMIN, c.district),
    }
    for who, head in heads.items():
        client.force_login(head)
        page = html(client.get(reverse("audit:events"), {"action": "resident:export"}))
        assert worker.username in page, who
    client.force_login(make_user(Role.COMMUNITY_HEAD, c.community_b1))
    assert worker.username not in html(client.get(reverse("audit:events"), {"action": "resident:export"}))


def test_an_api_token_is_issued_through_the_service_and_audited_with_the_address(world: CaseWorld) -> None:
    response = Client().post(
        reverse("api-token"),
        {"username": world.worker.username, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.4",
    )
    assert response.status_code == 200 and response.json()["token"]
    event = AuditEvent.objects.get(action="token:issue")
    assert event.ip_address == "198.51.100.4"
    assert event.area_path == world.county.community_a1.path
