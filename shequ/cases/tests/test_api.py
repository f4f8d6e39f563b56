"""The cases API as an integrator meets it: the whole loop, every refusal, filters, bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.cases import services
from shequ.cases.models import (
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseStatus,
    CaseWarning,
    HandlerUnit,
    Level,
    Satisfaction,
    Source,
    Urgency,
)
from shequ.cases.testing import CaseWorld, advance, build_case_world, first_building, photo, report
from shequ.core.actors import System
from shequ.testing import make_user

pytestmark = pytest.mark.django_db

API = "/api/v1"
PHONE = "13800138000"


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


def client_for(user: User | None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        _instance, token_key = AuthToken.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    return client


def post(user: User, case: Case | int | str, verb: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    pk = case.pk if isinstance(case, Case) else case
    return client_for(user).post(f"{API}/cases/{pk}/{verb}/", data or {}, format=kw.get("format", "json"))


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content
    return response.json()


def error(response: Any, status: int, code: str, *fields: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}, body
    assert body["code"] == code, body
    assert body["detail"]
    for field in fields:
        assert field in body["fields"], body
        assert all(isinstance(m, str) and m for m in body["fields"][field])
    return body


def ids(response: Any) -> set[int]:
    return {row["id"] for row in ok(response)["results"]}


def new_case_payload(world: CaseWorld, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "category": world.category.code,
        "description": "楼下垃圾堆放三天无人清运",
        "building": first_building(world).pk,
        "reporter_phone": PHONE,
        "source": Source.GRID,
    }
    payload.update(overrides)
    return payload


def other_handler(world: CaseWorld) -> User:
    """A member of the property company of another community."""
    user = make_user(Role.HANDLER, world.county.community_b1)
    services.add_unit_member(by=System("test"), unit=world.other_unit, user=user)
    return user


# --- the whole loop ---------------------------------------------------------------------------


def test_the_whole_loop_through_the_api(world: CaseWorld) -> None:
    reporter = client_for(world.grid_worker)
    response = reporter.post(
        f"{API}/cases/", {**new_case_payload(world), "photos": [photo()]}, format="multipart"
    )
    case = ok(response, 201)
    pk = case["id"]
    assert case["status"]["code"] == CaseStatus.REPORTED and case["source"]["code"] == Source.GRID
    assert case["light"]["code"] == "green" and case["due_at"]
    assert case["reporter_phone_masked"] == "138****8000"
    assert PHONE.encode() not in response.content
    assert "reporter_phone" not in case
    # the photo is served through the access-checked download, as a real JPEG
    (attachment,) = case["events"][0]["attachments"]
    download = reporter.get(attachment["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert b"".join(download.streaming_content)[:3] == b"\xff\xd8\xff"
    assert client_for(world.outsider).get(attachment["url"]).status_code == 404

    assert ok(post(world.worker, pk, "accept", {"urgency": Urgency.URGENT}))["status"]["code"] == "accepted"
    dispatched = ok(
        post(
            world.worker, pk, "dispatch", {"unit": world.property_unit.pk, "co_units": [world.department.pk]}
        )
    )
    assert dispatched["lead_unit"]["id"] == world.property_unit.pk
    assert [u["id"] for u in dispatched["co_units"]] == [world.department.pk]
    assert ok(post(world.handler, pk, "take"))["status"]["code"] == "handling"
    ok(post(world.dept_handler, pk, "assist", {"note": "已协调环卫车"}))
    replied = ok(
        post(
            world.handler,
            pk,
            "reply",
            {"note": "已清运", "photos": [photo("after.png", "PNG")]},
            format="multipart",
        )
    )
    assert replied["status"]["code"] == "replied"
    assert replied["events"][-1]["attachments"][0]["content_type"] == "image/png"
    # the collector finds it not done: back to the unit, which replies again
    failed = ok(post(world.grid_worker, pk, "verify", {"passed": False, "note": "还有残留"}))
    assert failed["status"]["code"] == "dispatched"
    ok(post(world.handler2, pk, "take"))
    ok(post(world.handler, pk, "reply", {"note": "已彻底清理"}))
    verified = ok(
        post(world.grid_worker, pk, "verify", {"passed": "true", "photos": [photo()]}, format="multipart")
    )
    assert verified["status"]["code"] == "to_evaluate" and verified["handling_hours"] is not None
    closed = ok(post(world.grid_worker, pk, "evaluate", {"satisfaction": Satisfaction.SATISFIED}))
    assert closed["status"]["code"] == "closed" and closed["satisfaction"]["code"] == "satisfied"

    events = ok(reporter.get(f"{API}/cases/{pk}/events/"))
    assert [e["action"]["code"] for e in events] == [
        "report",
        "accept",
        "dispatch",
        "take",
        "assist",
        "reply",
        "verify_fail",
        "take",
        "reply",
        "verify_pass",
        "evaluate",
        "close",
    ]
    assert sum(len(e["attachments"]) for e in events) == 3
    assert Case.objects.get(pk=pk).urgency == Urgency.URGENT


def test_case_is_found_by_number_too(world: CaseWorld) -> None:
    case = report(world)
    body = ok(client_for(world.worker).get(f"{API}/cases/{case.number}/"))
    assert body["id"] == case.pk
    assert ok(post(world.worker, case.number, "accept"))["status"]["code"] == "accepted"


def test_unsatisfied_reopens_once_then_escalates(world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.TO_EVALUATE)
    reopened = ok(
        post(world.grid_worker, case, "evaluate", {"satisfaction": "unsatisfied", "comment": "没清干净"})
    )
    assert reopened["status"]["code"] == "dispatched" and reopened["reopen_count"] == 1
    case = advance(world, Case.objects.get(pk=case.pk), CaseStatus.TO_EVALUATE)
    escalated = ok(post(world.grid_worker, case, "evaluate", {"satisfaction": "unsatisfied"}))
    assert escalated["status"]["code"] == "accepted" and escalated["level"]["code"] == Level.STREET
    # the community no longer dispatches it; the street does
    error(post(world.worker, case, "dispatch", {"unit": world.property_unit.pk}), 403, "forbidden")
    ok(post(world.street_admin, case, "dispatch", {"unit": world.property_unit.pk}))


def test_suspend_resume_escalate_supervise_comment_correct(world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.HANDLING)
    suspended = ok(post(world.worker, case, "suspend", {"reason": "等待法院判决"}))
    assert suspended["status"]["code"] == "suspended" and suspended["light"] is None
    assert ok(post(world.worker, case, "resume"))["status"]["code"] == "handling"
    assert ok(post(world.street_admin, case, "supervise", {"note": "本周内办结"}))["supervise_count"] == 1
    commented = ok(post(world.handler, case, "comment", {"note": "明早处理"}))
    assert commented["events"][-1]["comment"] == "明早处理" and commented["events"][-1]["public"] is False
    error(post(world.handler, case, "comment", {"note": "公开说明", "public": True}), 403, "forbidden")
    corrected = ok(post(world.worker, case, "correct", {"reason": "地址有误", "address": "溪南小区2幢"}))
    assert corrected["address"] == "溪南小区2幢"
    assert corrected["events"][-1]["data"] == {"address": ["武义县溪南小区1幢", "溪南小区2幢"]}
    fresh = report(world)
    escalated = ok(post(world.worker, fresh, "escalate", {"reason": "涉及多个社区"}))
    assert escalated["level"]["code"] == Level.STREET


def test_merge_into_a_case_by_number(world: CaseWorld) -> None:
    first = report(world)
    second = report(world, description="垃圾堆放没人管，味道很大")
    detail = ok(client_for(world.worker).get(f"{API}/cases/{second.pk}/"))
    assert [c["id"] for c in detail["duplicate_candidates"]] == [first.pk]
    merged = ok(post(world.worker, second, "merge", {"into": first.number}))
    assert merged["status"]["code"] == "merged" and merged["merged_into"]["number"] == first.number
    # those who may not merge are not offered duplicates
    assert ok(client_for(world.grid_worker).get(f"{API}/cases/{first.pk}/"))["duplicate_candidates"] is None


def test_handler_who_returns_a_case_gets_its_new_state_but_no_longer_its_file(world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.HANDLING)
    body = ok(post(world.handler, case, "return", {"reason": "不属于物业职责"}))
    assert body["status"]["code"] == "accepted" and body["lead_unit"] is None and "events" not in body
    assert client_for(world.handler).get(f"{API}/cases/{case.pk}/").status_code == 404


# --- refusals ---------------------------------------------------------------------------------


def test_a_step_at_the_wrong_status_is_refused(world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.DISPATCHED)
    events = case.events.count()
    error(post(world.worker, case, "accept"), 400, "wrong_status")
    error(post(world.handler, case, "reply", {"note": "已处理"}), 400, "wrong_status")
    error(post(world.grid_worker, case, "verify", {"passed": True}), 400, "wrong_status")
    error(post(world.grid_worker, case, "evaluate", {"satisfaction": "satisfied"}), 400, "wrong_status")
    error(post(world.worker, case, "resume"), 400, "wrong_status")
    assert case.events.count() == events
    closed = advance(world, report(world), CaseStatus.CLOSED)
    error(post(world.worker, closed, "supervise", {"note": "督办"}), 400, "wrong_status")
    error(post(world.worker, closed, "correct", {"reason": "x", "urgency": "urgent"}), 400, "wrong_status")


def test_refuse_without_a_reason_names_the_field(world: CaseWorld) -> None:
    case = report(world)
    error(post(world.worker, case, "refuse"), 400, "required", "reason")
    error(post(world.worker, case, "refuse", {"reason": "   "}), 400, "required", "reason")
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED
    refused = ok(post(world.worker, case, "refuse", {"reason": "不属于受理范围"}))
    assert refused["status"]["code"] == "refused" and refused["status_notes"] == "不属于受理范围"


def test_dispatch_to_a_unit_that_does_not_serve_the_place(world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.ACCEPTED)
    # the county sees the other community's company, which does not serve this place
    error(
        post(world.district_admin, case, "dispatch", {"unit": world.other_unit.pk}),
        400,
        "invalid_unit",
        "unit",
    )
    error(
        post(
            world.district_admin,
            case,
            "dispatch",
            {"unit": world.property_unit.pk, "co_units": [world.other_unit.pk]},
        ),
        400,
        "invalid_unit",
        "unit",
    )
    # for the community desk that unit does not even exist
    error(post(world.worker, case, "dispatch", {"unit": world.other_unit.pk}), 400, "invalid", "unit")
    inactive = HandlerUnit.objects.create(
        name="停用单位",
        area=world.county.community_a1,
        area_path=world.county.community_a1.path,
        active=False,
    )
    error(post(world.worker, case, "dispatch", {"unit": inactive.pk}), 400, "invalid", "unit")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.lead_unit is None


def test_handlers_of_other_units_cannot_touch_the_case(world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.DISPATCHED)
    stranger = other_handler(world)
    assert post(stranger, case, "take").status_code == 404
    assert client_for(stranger).get(f"{API}/cases/{case.pk}/").status_code == 404
    # a co-handling unit sees the case but cannot take it
    services.dispatch_case(
        services.return_case(case, by=world.handler, reason="重派"),
        by=world.worker,
        unit=world.property_unit,
        co_units=[world.department],
    )
    error(post(world.dept_handler, case, "take"), 403, "forbidden")
    error(post(world.dept_handler, case, "return", {"reason": "不是我的"}), 403, "forbidden")
    # and the lead unit cannot write co-handling notes
    error(post(world.handler, case, "assist", {"note": "协助"}), 403, "forbidden")
    assert ok(post(world.handler2, case, "take"))["status"]["code"] == "handling"


def test_evaluation_by_a_stranger_is_refused(world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.TO_EVALUATE)
    # the unit sees the case but did not report it
    error(post(world.handler, case, "evaluate", {"satisfaction": "satisfied"}), 403, "forbidden")
    # someone else's community does not even see it
    assert post(world.outsider, case, "evaluate", {"satisfaction": "satisfied"}).status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.TO_EVALUATE and case.satisfaction == ""
    # the desk may record a follow-up call (回访)
    body = ok(post(world.worker, case, "evaluate", {"satisfaction": "basic", "comment": "电话回访"}))
    assert body["status"]["code"] == "closed"


def test_people_without_the_verb_get_forbidden_and_nothing_changes(world: CaseWorld) -> None:
    case = report(world)
    before = (case.events.count(), AuditEvent.objects.count())
    error(post(world.grid_worker, case, "accept"), 403, "forbidden")
    error(post(world.grid_worker, case, "refuse", {"reason": "x"}), 403, "forbidden")
    error(post(world.grid_worker, case, "escalate", {"reason": "x"}), 403, "forbidden")
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED
    assert (case.events.count(), AuditEvent.objects.count()) == before
    # "not yours to do" is a 403 whatever the step, not a hint about the case's status
    dispatched = advance(world, report(world), CaseStatus.DISPATCHED)
    error(post(world.handler, dispatched, "accept"), 403, "forbidden")
    error(post(world.grid_worker, dispatched, "take"), 403, "forbidden")
    error(post(world.worker, dispatched, "verify", {"passed": True}), 400, "wrong_status")


def test_nothing_in_a_case_file_can_be_edited_or_deleted(world: CaseWorld) -> None:
    case = report(world)
    client = client_for(world.admin)
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(f"{API}/cases/{case.pk}/", {}, format="json").status_code == 405
        assert getattr(client, method)(f"{API}/cases/{case.pk}/events/", {}, format="json").status_code == 405
    assert client.post(f"{API}/cases/{case.pk}/events/", {}, format="json").status_code == 405
    assert client.get(f"{API}/cases/{case.pk}/accept/").status_code == 405
    assert Case.objects.filter(pk=case.pk).exists() and case.events.count() == 1


# --- residents reporting through the API ------------------------------------------------------


def test_a_resident_reports_follows_and_evaluates_their_own_case(world: CaseWorld) -> None:
    resident = make_user(Role.RESIDENT, world.county.grid_a1_1)
    client = client_for(resident)
    point = {"lat": "28.9050", "long": "119.8050"}  # inside grid a1-1, no building given
    created = ok(
        client.post(
            f"{API}/cases/", new_case_payload(world, building=None, source="api", **point), format="json"
        ),
        201,
    )
    assert created["source"]["code"] == "api" and created["grid"]["code"] == world.county.grid_a1_1.code
    # a resident cannot pretend to be the hotline
    error(
        client.post(f"{API}/cases/", new_case_payload(world, building=None, **point), format="json"),
        400,
        "invalid",
        "source",
    )

    case = Case.objects.get(pk=created["id"])
    advance(world, case, CaseStatus.HANDLING)
    services.comment_case(case, by=world.worker, note="内部：物业多次拖延")
    advance(world, Case.objects.get(pk=case.pk), CaseStatus.TO_EVALUATE)
    assert ids(client.get(f"{API}/cases/")) == {case.pk}
    detail = ok(client.get(f"{API}/cases/{case.pk}/"))
    # the public file only: no internal notes, no staff names
    assert all(e["public"] for e in detail["events"])
    assert "内部" not in str(detail) and world.worker.username not in str(detail)
    assert all(e["actor_name"] == "" for e in detail["events"])
    assert {e["action"]["code"] for e in detail["events"]} >= {"report", "accept", "dispatch", "reply"}
    # the proof photo is theirs to see; the unit's private notes are not
    proof = next(e for e in detail["events"] if e["action"]["code"] == "reply")["attachments"][0]
    assert client.get(proof["url"]).status_code == 200
    closed = ok(client.post(f"{API}/cases/{case.pk}/evaluate/", {"satisfaction": "satisfied"}))
    assert closed["status"]["code"] == "closed"


def test_photos_of_internal_steps_are_not_served_to_the_reporter(world: CaseWorld) -> None:
    resident = make_user(Role.RESIDENT, world.county.grid_a1_1)
    case = report(world, by=resident, source=Source.API, reporter_phone="")
    case = advance(world, case, CaseStatus.REPLIED)
    services.verify_case(case, by=world.grid_worker, passed=False, note="未完成", photo_files=[photo()])
    internal = CaseAttachment.objects.get(event__action="verify_fail")
    url = f"{API}/cases/{case.pk}/attachments/{internal.pk}/"
    assert client_for(resident).get(url).status_code == 404
    assert client_for(world.grid_worker).get(url).status_code == 200


# --- reading and filtering --------------------------------------------------------------------


def test_list_filters(world: CaseWorld) -> None:
    county = world.county
    a = report(world)
    b = advance(
        world, report(world, urgency=Urgency.URGENT, description="垃圾桶满了好几天"), CaseStatus.DISPATCHED
    )
    parking = CaseCategory.objects.filter(children=None, active=True).exclude(pk=world.category.pk).first()
    assert parking is not None
    c = report(
        world,
        category=parking,
        building=None,
        grid=county.grid_a1_2,
        source=Source.HOTLINE,
        by=world.worker,
        address="溪北小区东门",
    )
    d = report(world, by=System("portal"), building=county.buildings["b11"], source=Source.HOTLINE)
    client = client_for(world.district_admin)
    assert ids(client.get(f"{API}/cases/")) == {a.pk, b.pk, c.pk, d.pk}
    assert ids(client.get(f"{API}/cases/", {"status": "reported"})) == {a.pk, c.pk, d.pk}
    assert ids(client.get(f"{API}/cases/", {"status": ["reported", "dispatched"]})) == {
        a.pk,
        b.pk,
        c.pk,
        d.pk,
    }
    assert ids(client.get(f"{API}/cases/", {"stage": "handle"})) == {b.pk}
    assert ids(client.get(f"{API}/cases/", {"light": "green"})) == {a.pk, b.pk, c.pk, d.pk}
    assert ids(client.get(f"{API}/cases/", {"light": "red"})) == set()
    assert ids(client.get(f"{API}/cases/", {"category": parking.code})) == {c.pk}
    assert parking.parent is not None
    assert ids(client.get(f"{API}/cases/", {"category": parking.parent.code})) >= {c.pk}
    assert a.pk not in ids(client.get(f"{API}/cases/", {"category": parking.parent.code}))
    assert world.category.parent is not None
    assert ids(client.get(f"{API}/cases/", {"category": world.category.parent.code})) == {a.pk, b.pk, d.pk}
    assert ids(client.get(f"{API}/cases/", {"community": county.community_b1.code})) == {d.pk}
    assert ids(client.get(f"{API}/cases/", {"grid": county.grid_a1_2.code})) == {c.pk}
    assert ids(client.get(f"{API}/cases/", {"lead_unit": world.property_unit.pk})) == {b.pk}
    assert ids(client.get(f"{API}/cases/", {"source": "hotline"})) == {c.pk, d.pk}
    assert ids(client.get(f"{API}/cases/", {"urgency": "urgent"})) == {b.pk}
    assert ids(client.get(f"{API}/cases/", {"level": "community"})) == {a.pk, b.pk, c.pk, d.pk}
    assert ids(client.get(f"{API}/cases/", {"level": "street"})) == set()
    today = timezone.localdate()
    assert len(ids(client.get(f"{API}/cases/", {"reported_after": str(today)}))) == 4
    assert ids(client.get(f"{API}/cases/", {"reported_before": str(today - dt.timedelta(days=1))})) == set()
    assert ids(client.get(f"{API}/cases/", {"q": "垃圾桶"})) == {b.pk}
    assert ids(client.get(f"{API}/cases/", {"q": "东门"})) == {c.pk}
    assert ids(client.get(f"{API}/cases/", {"q": d.number})) == {d.pk}


def test_the_light_filter_follows_the_clock(world: CaseWorld) -> None:
    case = report(world)
    Case.objects.filter(pk=case.pk).update(
        warn_at=timezone.now() - dt.timedelta(hours=1), due_at=timezone.now() + dt.timedelta(hours=1)
    )
    late = report(world)
    Case.objects.filter(pk=late.pk).update(
        warn_at=timezone.now() - dt.timedelta(hours=3), due_at=timezone.now() - dt.timedelta(hours=1)
    )
    client = client_for(world.worker)
    assert ids(client.get(f"{API}/cases/", {"light": "yellow"})) == {case.pk}
    assert ids(client.get(f"{API}/cases/", {"light": "red"})) == {late.pk}
    rows = {r["id"]: r for r in ok(client.get(f"{API}/cases/"))["results"]}
    assert rows[case.pk]["light"]["code"] == "yellow" and rows[late.pk]["light"]["code"] == "red"


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"stage": "x"},
        {"light": "blue"},
        {"category": "no.such.code"},
        {"community": "12"},
        {"grid": "abc"},
        {"lead_unit": "abc"},
        {"lead_unit": "99999999999999999999999"},
        {"source": "fax"},
        {"urgency": "very"},
        {"level": "planet"},
        {"reported_after": "yesterday"},
        {"reported_before": "2026-13-45"},
        {"q": "x" * 101},
        {"page": "abc"},
        {"page_size": "100000"},
    ],
)
def test_malformed_filters_are_400_not_an_unfiltered_list(world: CaseWorld, params: dict[str, str]) -> None:
    report(world)
    response = client_for(world.worker).get(f"{API}/cases/", params)
    error(response, 400, "invalid", next(iter(params)))


@pytest.mark.parametrize(
    "path",
    ["abc", "0", "-1", "99999999999999999999999", "1.5", "%E4%B8%AD", "20261123000199999"],
)
def test_garbage_case_ids_are_404(world: CaseWorld, path: str) -> None:
    report(world)
    client = client_for(world.worker)
    assert client.get(f"{API}/cases/{path}/").status_code == 404
    assert client.post(f"{API}/cases/{path}/accept/", {}, format="json").status_code == 404
    assert client.get(f"{API}/cases/{path}/events/").status_code == 404


def test_garbage_attachment_ids_are_404(world: CaseWorld) -> None:
    case = report(world, photo_files=[photo()])
    other = report(world, photo_files=[photo()])
    attachment = other.attachments.get()
    client = client_for(world.worker)
    for att in ("abc", "0", "99999999999999999999999", str(attachment.pk)):
        assert client.get(f"{API}/cases/{case.pk}/attachments/{att}/").status_code == 404
    assert client.get(f"{API}/cases/{other.pk}/attachments/{attachment.pk}/").status_code == 200


# --- bad input on writes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"category": "no.such"}, ["category"]),
        ({"category": "sanitation"}, ["category"]),  # a parent, not a specific category
        ({"description": "短"}, ["description"]),
        ({"description": "很长" * 60_000}, ["description"]),
        ({"urgency": "very"}, ["urgency"]),
        ({"source": "fax"}, ["source"]),
        ({"building": "abc"}, ["building"]),
        ({"building": 99999999999999999999999}, ["building"]),
        ({"building": None, "lat": "abc", "long": "119.8"}, ["lat"]),
        ({"building": None, "lat": "91", "long": "119.8"}, ["lat"]),
        ({"building": None, "lat": "28.9"}, ["lat"]),
        ({"building": None, "lat": "NaN", "long": "inf"}, ["lat"]),
        ({"building": None, "lat": "10.0", "long": "10.0"}, ["location"]),
        ({"building": None}, ["location"]),
        ({"building": None, "grid": "123"}, ["grid"]),
        ({"reporter_phone": "12345"}, ["reporter_phone"]),
        ({"reporter_name": "名" * 100}, ["reporter_name"]),
        ({"address": "址" * 3000}, ["address"]),
    ],
)
def test_bad_reports_are_400_and_store_nothing(
    world: CaseWorld, overrides: dict[str, Any], fields: list[str]
) -> None:
    response = client_for(world.grid_worker).post(
        f"{API}/cases/", new_case_payload(world, **overrides), format="json"
    )
    assert response.status_code == 400, response.content
    error(response, 400, response.json()["code"], *fields)
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_stored(world: CaseWorld) -> None:
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = client_for(world.grid_worker).post(
        f"{API}/cases/", {**new_case_payload(world), "photos": [fake]}, format="multipart"
    )
    error(response, 400, "invalid_photo", "photos")
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()
    case = advance(world, report(world), CaseStatus.HANDLING)
    fake.seek(0)
    response = post(world.handler, case, "reply", {"note": "已处理", "photos": [fake]}, format="multipart")
    error(response, 400, "invalid_photo", "photos")
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDLING
    error(
        post(world.handler, case, "reply", {"note": "已处理", "photos": "not a file"}),
        400,
        "invalid",
        "photos",
    )


@pytest.mark.parametrize(
    ("verb", "payload", "fields"),
    [
        ("accept", {"urgency": "very"}, ["urgency"]),
        ("accept", {"note": "很" * 5000}, ["note"]),
        ("refuse", {"reason": "很" * 5000}, ["reason"]),
        ("escalate", {"reason": ""}, ["reason"]),
        ("merge", {"into": "abc"}, ["into"]),
        ("merge", {"into": "99999999999999999999999"}, ["into"]),
        ("merge", {}, ["into"]),
        ("correct", {"reason": "更正", "category": "nope"}, ["category"]),
        ("correct", {"reason": "更正", "urgency": "very"}, ["urgency"]),
        ("correct", {"reason": "更正"}, []),
        ("comment", {"note": ""}, ["note"]),
        ("comment", {"note": "x", "public": "maybe"}, ["public"]),
        ("suspend", {}, ["reason"]),
    ],
)
def test_bad_step_input_is_400(
    world: CaseWorld, verb: str, payload: dict[str, Any], fields: list[str]
) -> None:
    case = report(world)
    events = case.events.count()
    response = post(world.worker, case, verb, payload)
    assert response.status_code == 400, response.content
    error(response, 400, response.json()["code"], *fields)
    assert case.events.count() == events


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"unit": "abc"},
        {"unit": 99999999999999999999999},
        {"unit": True},
        {"unit": "mine", "co_units": "abc"},
        {"unit": "mine", "co_units": ["abc"]},
    ],
)
def test_bad_dispatch_input_is_400(world: CaseWorld, payload: dict[str, Any]) -> None:
    case = advance(world, report(world), CaseStatus.ACCEPTED)
    if payload.get("unit") == "mine":
        payload = {**payload, "unit": world.property_unit.pk}
    response = post(world.worker, case, "dispatch", payload)
    assert response.status_code == 400, response.content
    error(response, 400, "invalid")


def test_bad_verify_and_evaluate_input_is_400(world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.REPLIED)
    error(post(world.grid_worker, case, "verify", {}), 400, "invalid", "passed")
    error(post(world.grid_worker, case, "verify", {"passed": "perhaps"}), 400, "invalid", "passed")
    error(post(world.grid_worker, case, "verify", {"passed": False}), 400, "required", "note")
    case = advance(world, Case.objects.get(pk=case.pk), CaseStatus.TO_EVALUATE)
    error(
        post(world.grid_worker, case, "evaluate", {"satisfaction": "great"}), 400, "invalid", "satisfaction"
    )
    error(post(world.grid_worker, case, "evaluate", {}), 400, "invalid", "satisfaction")


def test_malformed_bodies_are_400(world: CaseWorld) -> None:
    case = report(world)
    client = client_for(world.worker)
    response = client.post(f"{API}/cases/{case.pk}/refuse/", "{not json", content_type="application/json")
    assert response.status_code == 400
    response = client.post(f"{API}/cases/", "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"code", "detail", "fields"}


# --- configuration, figures and warnings ------------------------------------------------------


def test_category_tree_and_its_configuration(world: CaseWorld) -> None:
    tree = ok(client_for(world.handler).get(f"{API}/case-categories/"))
    roots = {c["code"]: c for c in tree}
    assert world.category.parent is not None
    parent = roots[world.category.parent.code]
    child = next(c for c in parent["children"] if c["code"] == world.category.code)
    assert child["handle_hours"] == float(world.category.handle_hours)
    assert child["default_unit"]["id"] == world.property_unit.pk

    admin = client_for(world.district_admin)
    created = ok(
        admin.post(
            f"{API}/case-categories/",
            {"code": "sanitation.dogs", "name": "犬只粪便", "parent": parent["code"], "handle_hours": "8"},
            format="json",
        ),
        201,
    )
    assert created["parent"] == parent["code"] and created["handle_hours"] == 8.0
    assert created["accept_hours"] == parent["accept_hours"]  # inherited from the parent
    changed = ok(
        admin.patch(
            f"{API}/case-categories/{created['id']}/", {"verify_hours": "2.5", "active": False}, format="json"
        )
    )
    assert changed["verify_hours"] == 2.5 and changed["active"] is False
    # a form-encoded PATCH changes what it names; missing checkboxes are not read as False
    kept = ok(
        admin.patch(
            f"{API}/case-categories/{created['id']}/",
            "sort=3",
            content_type="application/x-www-form-urlencoded",
        )
    )
    assert kept["public"] is True and kept["active"] is False
    # an inactive category is hidden from those who do not configure
    codes = {
        c["code"] for r in ok(client_for(world.worker).get(f"{API}/case-categories/")) for c in r["children"]
    }
    assert "sanitation.dogs" not in codes

    error(
        admin.patch(f"{API}/case-categories/{created['id']}/", {"handle_hours": "0"}, format="json"),
        400,
        "invalid",
        "handle_hours",
    )
    error(
        admin.patch(f"{API}/case-categories/{created['id']}/", {"handle_hours": "abc"}, format="json"),
        400,
        "invalid",
        "handle_hours",
    )
    error(
        admin.patch(f"{API}/case-categories/{created['id']}/", {"parent": "nope"}, format="json"),
        400,
        "invalid",
        "parent",
    )
    error(
        admin.post(
            f"{API}/case-categories/",
            {"code": "sanitation.dogs", "name": "重复", "parent": parent["code"]},
            format="json",
        ),
        400,
        "duplicate",
        "code",
    )
    error(admin.post(f"{API}/case-categories/", {"name": "无编码"}, format="json"), 400, "invalid", "code")
    error(
        client_for(world.worker).post(f"{API}/case-categories/", {"code": "x", "name": "x"}, format="json"),
        403,
        "forbidden",
    )
    for method in ("put", "delete"):
        assert getattr(admin, method)(f"{API}/case-categories/{created['id']}/").status_code == 405


def test_handler_units_and_their_members(world: CaseWorld) -> None:
    worker_units = {u["id"]: u for u in ok(client_for(world.worker).get(f"{API}/handler-units/"))["results"]}
    assert set(worker_units) == {world.property_unit.pk, world.department.pk}
    assert worker_units[world.property_unit.pk]["members"] is None
    admin_units = {
        u["id"]: u for u in ok(client_for(world.district_admin).get(f"{API}/handler-units/"))["results"]
    }
    assert {m["username"] for m in admin_units[world.property_unit.pk]["members"]} == {
        "handler_a",
        "handler_b",
    }
    # a handler sees their own unit
    assert {u["id"] for u in ok(client_for(world.handler).get(f"{API}/handler-units/"))["results"]} == {
        world.property_unit.pk
    }
    admin = client_for(world.district_admin)
    payload = {"name": "县环卫所", "kind": "department", "area": world.county.district.code}
    created = ok(admin.post(f"{API}/handler-units/", payload, format="json"), 201)
    assert created["area"]["code"] == world.county.district.code and created["members"] == []
    changed = ok(admin.patch(f"{API}/handler-units/{created['id']}/", {"phone": "0579-1234"}, format="json"))
    assert changed["phone"] == "0579-1234" and changed["name"] == "县环卫所"
    error(admin.post(f"{API}/handler-units/", payload, format="json"), 400, "duplicate", "name")
    error(
        admin.post(f"{API}/handler-units/", {**payload, "kind": "x"}, format="json"), 400, "invalid", "kind"
    )
    error(
        admin.post(f"{API}/handler-units/", {**payload, "area": "1"}, format="json"), 400, "invalid", "area"
    )
    error(client_for(world.worker).post(f"{API}/handler-units/", payload, format="json"), 403, "forbidden")


def test_figures_by_community_unit_and_category(world: CaseWorld) -> None:
    advance(world, report(world), CaseStatus.CLOSED)
    advance(world, report(world), CaseStatus.DISPATCHED)
    report(world, by=System("portal"), building=world.county.buildings["b11"], source=Source.HOTLINE)
    client = client_for(world.district_admin)
    by_community = ok(client.get(f"{API}/case-figures/"))
    assert by_community["by"] == "community"
    rows = {r["name"]: r for r in by_community["rows"]}
    assert rows["熟溪社区"]["reported"] == 2 and rows["熟溪社区"]["resolved"] == 1
    assert rows["熟溪社区"]["satisfaction_rate"] == 100.0 and rows["溪南社区"]["accepted"] == 0
    assert by_community["total"]["reported"] == 3
    by_unit = ok(client.get(f"{API}/case-figures/", {"by": "unit"}))
    assert {r["name"]: r["reported"] for r in by_unit["rows"]} == {"熟溪物业服务中心": 2, "—": 1}
    assert ok(client.get(f"{API}/case-figures/", {"by": "category"}))["rows"][0]["reported"] == 3
    # figures follow the list's filters and the caller's reach
    assert (
        ok(client.get(f"{API}/case-figures/", {"community": world.county.community_b1.code}))["total"][
            "reported"
        ]
        == 1
    )
    assert ok(client_for(world.outsider).get(f"{API}/case-figures/"))["total"]["reported"] == 1
    error(client.get(f"{API}/case-figures/", {"by": "planet"}), 400, "invalid", "by")


def test_hot_spot_warnings(world: CaseWorld, settings: Any) -> None:
    settings.SHEQU_CASE_HOTSPOT_COUNT = 2
    first = report(world)
    second = report(world)
    assert CaseWarning.objects.exists()
    body = ok(client_for(world.worker).get(f"{API}/case-warnings/"))
    places = {(w["building"] or {}).get("id") for w in body["results"]}
    assert first_building(world).pk in places
    assert all(w["last_case"]["id"] == second.pk and w["case_count"] == 2 for w in body["results"])
    assert ok(client_for(world.outsider).get(f"{API}/case-warnings/"))["results"] == []
    warning = CaseWarning.objects.first()
    assert warning is not None and first.pk
    assert client_for(world.outsider).get(f"{API}/case-warnings/{warning.pk}/").status_code == 404
    CaseWarning.objects.filter(pk=warning.pk).update(acknowledged_at=timezone.now())
    client = client_for(world.worker)
    assert warning.pk not in ids(client.get(f"{API}/case-warnings/"))
    assert ids(client.get(f"{API}/case-warnings/", {"state": "acknowledged"})) == {warning.pk}
    assert warning.pk in ids(client.get(f"{API}/case-warnings/", {"state": "all"}))
    error(client.get(f"{API}/case-warnings/", {"state": "bogus"}), 400, "invalid", "state")


def test_anonymous_callers_get_401(world: CaseWorld) -> None:
    case = report(world)
    client = APIClient()
    for url in (
        "cases/",
        f"cases/{case.pk}/",
        "case-categories/",
        "handler-units/",
        "case-figures/",
        "case-warnings/",
    ):
        assert client.get(f"{API}/{url}").status_code == 401
    assert client.post(f"{API}/cases/", new_case_payload(world), format="json").status_code == 401
    assert client.post(f"{API}/cases/{case.pk}/accept/", {}, format="json").status_code == 401
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 40])
def test_the_list_makes_the_same_few_queries_for_any_length(
    world: CaseWorld, django_assert_max_num_queries: Any, count: int
) -> None:
    for i in range(count):
        case = report(world, description=f"第{i}号问题：楼道堆物")
        if i % 2:
            services.accept_case(case, by=System("test"))
            services.dispatch_case(
                case, by=System("test"), unit=world.property_unit, co_units=[world.department]
            )
    for user in (world.district_admin, world.handler, world.grid_worker):
        client = client_for(user)
        client.get(f"{API}/cases/")  # token and calendar caches warm
        with django_assert_max_num_queries(8):
            body = ok(client.get(f"{API}/cases/", {"page_size": 100}))
        assert body["count"] == (count // 2 if user == world.handler else count)
