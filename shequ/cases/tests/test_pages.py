"""The staff pages of the loop through Django's test client: who may open what, the list's filters
and export, each step through its form, refusals that change nothing, bad input, query counts."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, reverse
from django.utils import timezone
from openpyxl import load_workbook

import shequ.urls
from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.cases import services
from shequ.cases.models import (
    Case,
    CaseAttachment,
    CaseCategory,
    CaseStatus,
    EventAction,
    Level,
    Satisfaction,
    Source,
    Urgency,
)
from shequ.cases.testing import CaseWorld, advance, build_case_world, first_building, photo, report
from shequ.testing import make_user

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client() -> Client:
    """Pages in English, so the assertions do not depend on the translation of the day."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


def html(response: Any) -> str:
    return response.content.decode()


def as_user(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def detail(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def act(case: Case, action: str) -> str:
    return reverse("cases:action", args=[case.pk, action])


def not_a_photo(name: str = "notes.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"this is a text file, not a photo", content_type="image/jpeg")


def report_in_b1(world: CaseWorld, **fields: Any) -> Case:
    """A case in the other street's community, outside the a1 workers' reach."""
    return services.report_case(
        by=world.outsider,
        category=world.category,
        description="溪南社区路灯不亮已经一周",
        source=Source.WINDOW,
        building=world.county.buildings["b11"],
        reporter_phone="13900139000",
        **fields,
    )


# --- who may open what ---------------------------------------------------------------------------

LIST_PAGES = ["cases:list", "cases:todo"]


@pytest.mark.parametrize(
    "who", ["worker", "grid_worker", "street_admin", "district_admin", "handler", "dept_handler", "admin"]
)
@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_and_todo_answer_every_role_in_the_loop(
    client: Any, world: CaseWorld, who: str, name: str
) -> None:
    assert as_user(client, getattr(world, who)).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("who", ["worker", "grid_worker", "street_admin", "admin"])
def test_the_report_form_answers_staff_who_report(client: Any, world: CaseWorld, who: str) -> None:
    assert as_user(client, getattr(world, who)).get(reverse("cases:new")).status_code == 200


@pytest.mark.parametrize(
    "name", ["cases:list", "cases:todo", "cases:new", "cases:export", "cases:building_search"]
)
def test_anonymous_visitors_are_sent_to_the_login_page(client: Any, world: CaseWorld, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_visitors_cannot_open_a_case_or_its_photo(client: Any, world: CaseWorld) -> None:
    case = report(world, photo_files=[photo()])
    att = case.attachments.get()
    for url in (detail(case), reverse("cases:attachment", args=[case.pk, att.pk])):
        assert client.get(url).status_code == 302
    assert client.post(act(case, "accept"), {"urgency": "normal"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED


def test_users_without_a_case_role_are_refused(client: Any, world: CaseWorld) -> None:
    nobody = User.objects.create_user(username="nobody", password="x-Long-Password-1")
    as_user(client, nobody)
    for name in ("cases:list", "cases:todo", "cases:new", "cases:export"):
        assert client.get(reverse(name)).status_code == 403, name


def test_handlers_cannot_report_and_volunteers_have_no_to_do(client: Any, world: CaseWorld) -> None:
    assert as_user(client, world.handler).get(reverse("cases:new")).status_code == 403
    volunteer = make_user(Role.VOLUNTEER, world.county.grid_a1_1)
    as_user(client, volunteer)
    assert client.get(reverse("cases:todo")).status_code == 403
    assert client.get(reverse("cases:export")).status_code == 403


def test_a_case_outside_the_scope_is_404_like_a_missing_one(client: Any, world: CaseWorld) -> None:
    mine, theirs = report(world, photo_files=[photo()]), report_in_b1(world)
    as_user(client, world.worker)
    assert client.get(detail(mine)).status_code == 200
    assert client.get(detail(theirs)).status_code == 404
    assert client.get("/cases/999999/").status_code == 404
    assert client.post(act(theirs, "accept"), {"urgency": "normal"}).status_code == 404
    att = mine.attachments.get()
    assert (
        as_user(client, world.outsider).get(reverse("cases:attachment", args=[mine.pk, att.pk])).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == CaseStatus.REPORTED


def test_a_handler_sees_a_case_only_once_it_is_sent_to_their_unit(client: Any, world: CaseWorld) -> None:
    case = report(world)
    as_user(client, world.handler)
    assert client.get(detail(case)).status_code == 404
    assert case.number not in html(client.get(reverse("cases:list")))
    advance(world, case, CaseStatus.DISPATCHED)
    assert client.get(detail(case)).status_code == 200
    assert case.number in html(client.get(reverse("cases:list")))
    assert as_user(client, world.dept_handler).get(detail(case)).status_code == 404


def test_the_menu_leads_each_role_to_its_case_pages(client: Any, world: CaseWorld) -> None:
    handler_page = html(as_user(client, world.handler).get(reverse("registry:dashboard"), follow=True))
    assert f'href="{reverse("cases:list")}"' in handler_page
    assert f'href="{reverse("cases:todo")}"' in handler_page
    assert f'href="{reverse("cases:new")}"' not in handler_page
    worker_page = html(as_user(client, world.worker).get(reverse("registry:dashboard")))
    assert (
        f'href="{reverse("cases:new")}"' in worker_page and f'href="{reverse("cases:todo")}"' in worker_page
    )
    volunteer = make_user(Role.VOLUNTEER, world.county.grid_a1_1)
    assert f'href="{reverse("cases:todo")}"' not in html(
        as_user(client, volunteer).get(reverse("cases:list"))
    )


# --- photos ----------------------------------------------------------------------------------------


def test_a_photo_is_served_inline_with_its_type_to_those_who_see_the_case(
    client: Any, world: CaseWorld
) -> None:
    case = report(world, photo_files=[photo("楼下.png", fmt="PNG")])
    att = case.attachments.get()
    response = as_user(client, world.grid_worker).get(reverse("cases:attachment", args=[case.pk, att.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_photo_cannot_be_fetched_through_another_case(client: Any, world: CaseWorld) -> None:
    with_photo, other = (
        report(world, photo_files=[photo()]),
        report(world, description="另一处垃圾堆放需要清理"),
    )
    att = with_photo.attachments.get()
    as_user(client, world.worker)
    assert client.get(reverse("cases:attachment", args=[other.pk, att.pk])).status_code == 404
    assert client.get(f"/cases/{with_photo.pk}/attachments/999999/").status_code == 404


def test_an_uploaded_photo_has_no_public_address_even_with_debug(
    client: Any, world: CaseWorld, settings: Any
) -> None:
    """The demo ran with DEBUG=1 and served MEDIA_ROOT at /media/ to anyone (docs/security.md)."""
    case = report(world, photo_files=[photo()])
    att = case.attachments.get()
    assert att.file.storage.exists(att.file.name)
    settings.DEBUG = True
    clear_url_caches()
    importlib.reload(shequ.urls)
    try:
        assert client.get(f"/media/{att.file.name}").status_code == 404
        with pytest.raises(ValueError):
            att.file.url  # noqa: B018  # no storage URL to leak into a page by mistake
        # A staff member out of scope gets the same 404 from the scoped view.
        outsider = as_user(client, world.outsider).get(reverse("cases:attachment", args=[case.pk, att.pk]))
        assert outsider.status_code == 404
    finally:
        settings.DEBUG = False
        clear_url_caches()
        importlib.reload(shequ.urls)


# --- the list --------------------------------------------------------------------------------------


def test_the_list_shows_only_the_scope_with_its_clock(client: Any, world: CaseWorld) -> None:
    mine, theirs = report(world), report_in_b1(world)
    page = html(as_user(client, world.worker).get(reverse("cases:list")))
    assert mine.number in page and theirs.number not in page
    assert "light-green" in page and "% of limit used" in page
    street_b_page = html(as_user(client, world.outsider).get(reverse("cases:list")))
    assert theirs.number in street_b_page and mine.number not in street_b_page
    district = html(as_user(client, world.district_admin).get(reverse("cases:list")))
    assert mine.number in district and theirs.number in district


def _numbers(response: Any) -> set[str]:
    page = html(response)
    return {c.number for c in Case.objects.all() if f'data-case="{c.number}"' in page}


def test_filters_narrow_the_list(client: Any, world: CaseWorld) -> None:
    county = world.county
    garbage = report(world)
    lamp = report(
        world,
        category=CaseCategory.objects.get(code="municipal.streetlight"),
        description="路灯损坏晚上很黑",
        urgency=Urgency.URGENT,
        building=None,
        grid=county.grid_a1_2,
        source=Source.HOTLINE,
        by=world.worker,
    )
    dispatched = advance(world, report(world, description="垃圾桶满了无人清理"), CaseStatus.DISPATCHED)
    Case.objects.filter(pk=garbage.pk).update(
        warn_at=timezone.now() - dt.timedelta(hours=1), due_at=timezone.now() + dt.timedelta(hours=1)
    )
    Case.objects.filter(pk=lamp.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    as_user(client, world.worker)
    url = reverse("cases:list")
    everything = {garbage.number, lamp.number, dispatched.number}
    assert _numbers(client.get(url)) == everything
    assert _numbers(client.get(url, {"status": "dispatched"})) == {dispatched.number}
    assert _numbers(client.get(url, {"status": "open"})) == everything
    assert _numbers(client.get(url, {"status": "finished"})) == set()
    assert _numbers(client.get(url, {"light": "yellow"})) == {garbage.number}
    assert _numbers(client.get(url, {"light": "red"})) == {lamp.number}
    assert _numbers(client.get(url, {"light": "green"})) == {dispatched.number}
    parent = CaseCategory.objects.get(code="sanitation")
    assert _numbers(client.get(url, {"category": parent.pk})) == {garbage.number, dispatched.number}
    assert _numbers(client.get(url, {"grid": county.grid_a1_2.pk})) == {lamp.number}
    assert _numbers(client.get(url, {"community": county.community_a1.pk})) == everything
    assert _numbers(client.get(url, {"unit": world.property_unit.pk})) == {dispatched.number}
    assert _numbers(client.get(url, {"source": "hotline"})) == {lamp.number}
    assert _numbers(client.get(url, {"urgency": "urgent"})) == {lamp.number}
    assert _numbers(client.get(url, {"q": "路灯"})) == {lamp.number}
    assert _numbers(client.get(url, {"q": lamp.number[:12]})) == {lamp.number}
    today = timezone.localdate()
    assert _numbers(client.get(url, {"reported_from": today.isoformat()})) == everything
    assert _numbers(client.get(url, {"reported_to": (today - dt.timedelta(days=1)).isoformat()})) == set()


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nonsense"},
        {"light": "purple"},
        {"category": "abc"},
        {"community": "99999999"},
        {"grid": "'; drop table"},
        {"unit": "-1"},
        {"reported_from": "2026-13-45"},
        {"page": "x", "per_page": "7"},
        {"q": "x" * 500},
    ],
)
def test_bad_filter_values_are_ignored_not_a_500(
    client: Any, world: CaseWorld, params: dict[str, str]
) -> None:
    case = report(world)
    response = as_user(client, world.worker).get(reverse("cases:list"), params)
    assert response.status_code == 200
    if "q" not in params:
        assert case.number in html(response)


def test_a_filter_change_returns_only_the_table(client: Any, world: CaseWorld) -> None:
    case = report(world)
    response = as_user(client, world.worker).get(reverse("cases:list"), {"status": "reported"}, **HTMX)
    assert "<html" not in html(response) and 'id="cases-table"' in html(response)
    assert case.number in html(response)


def _many_cases(world: CaseWorld, n: int) -> None:
    for i in range(n):
        case = report(world, description=f"第{i}处垃圾堆放需要清理")
        if i % 3 == 1:
            advance(world, case, CaseStatus.DISPATCHED)


def _count(client: Any, url: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["worker", "handler"])
def test_list_query_count_does_not_grow_with_the_rows(
    client: Any, world: CaseWorld, who: str, django_assert_max_num_queries: Any
) -> None:
    _many_cases(world, 5)
    as_user(client, getattr(world, who))
    few = _count(client, reverse("cases:list"), per_page=100)
    _many_cases(world, 35)
    with django_assert_max_num_queries(few):
        client.get(reverse("cases:list"), {"per_page": 100})
    with django_assert_max_num_queries(few + 1):
        client.get(reverse("cases:todo"), {"tab": "all", "per_page": 100})


def test_todo_query_count_does_not_grow_with_the_rows(client: Any, world: CaseWorld) -> None:
    _many_cases(world, 5)
    as_user(client, world.worker)
    few = _count(client, reverse("cases:todo"), tab="all", per_page=100)
    _many_cases(world, 35)
    assert _count(client, reverse("cases:todo"), tab="all", per_page=100) == few


# --- export ----------------------------------------------------------------------------------------


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(wb.worksheets[0].iter_rows(values_only=True))


def test_export_holds_the_filtered_rows_in_scope_with_masked_phones_and_is_audited(
    client: Any, world: CaseWorld
) -> None:
    mine = report(world)
    other = report(world, description="楼道堆放杂物需要清理", urgency=Urgency.URGENT)
    theirs = report_in_b1(world)
    as_user(client, world.worker)
    rows = _sheet(client.get(reverse("cases:export")))
    header, body = rows[0], rows[1:]
    assert header[0] == "案件编号" and "联系电话" in header
    numbers = {r[0] for r in body}
    assert numbers == {mine.number, other.number} and theirs.number not in numbers
    phone = header.index("联系电话")
    assert {r[phone] for r in body} == {"138****8000"}
    assert "13800138000" not in str(rows)
    event = AuditEvent.objects.get(action="case:export")
    assert event.actor == world.worker and event.extra["rows"] == 2

    filtered = _sheet(client.get(reverse("cases:export"), {"urgency": "urgent"}))
    assert [r[0] for r in filtered[1:]] == [other.number]
    last = AuditEvent.objects.filter(action="case:export").order_by("-id").first()
    assert last is not None and last.extra == {"rows": 1, "filters": {"urgency": "urgent"}}


def test_a_handler_exports_only_their_units_cases(client: Any, world: CaseWorld) -> None:
    sent = advance(world, report(world), CaseStatus.DISPATCHED)
    report(world, description="尚未派遣的另一件案件")
    rows = _sheet(as_user(client, world.handler).get(reverse("cases:export")))
    assert [r[0] for r in rows[1:]] == [sent.number]


# --- the case page ---------------------------------------------------------------------------------


def _steps(response: Any) -> set[str]:
    page = html(response)
    return {name for name in _ALL_STEPS if f'data-step="{name}"' in page}


_ALL_STEPS = [
    "accept",
    "refuse",
    "dispatch",
    "take",
    "reply",
    "verify",
    "evaluate",
    "return",
    "assist",
    "escalate",
    "suspend",
    "resume",
    "supervise",
    "correct",
    "comment",
]


def test_the_case_page_offers_only_the_steps_the_user_may_take_now(client: Any, world: CaseWorld) -> None:
    case = report(world)
    desk = {"accept", "refuse", "escalate", "suspend", "supervise", "correct", "comment"}
    assert _steps(as_user(client, world.worker).get(detail(case))) == desk
    assert _steps(as_user(client, world.grid_worker).get(detail(case))) == {"comment"}
    advance(world, case, CaseStatus.ACCEPTED)
    assert _steps(as_user(client, world.worker).get(detail(case))) == {
        "dispatch",
        "escalate",
        "suspend",
        "supervise",
        "correct",
        "comment",
    }
    services.dispatch_case(case, by=world.worker, unit=world.property_unit, co_units=[world.department])
    assert _steps(as_user(client, world.handler).get(detail(case))) == {"take", "return", "comment"}
    assert _steps(as_user(client, world.dept_handler).get(detail(case))) == {"assist", "comment"}
    assert "take" not in _steps(as_user(client, world.worker).get(detail(case)))
    advance(world, case, CaseStatus.REPLIED)
    assert _steps(as_user(client, world.grid_worker).get(detail(case))) == {"verify", "comment"}
    assert _steps(as_user(client, world.handler).get(detail(case))) == {"comment"}
    advance(world, case, CaseStatus.TO_EVALUATE)
    assert "evaluate" in _steps(as_user(client, world.worker).get(detail(case)))
    advance(world, case, CaseStatus.CLOSED)
    assert _steps(as_user(client, world.worker).get(detail(case))) == {"comment"}


def test_a_street_case_is_no_longer_the_communitys_to_dispatch(client: Any, world: CaseWorld) -> None:
    case = report(world)
    services.escalate_case(case, by=world.worker, reason="涉及多个社区")
    assert _steps(as_user(client, world.worker).get(detail(case))) == {"comment"}
    assert "dispatch" in _steps(as_user(client, world.street_admin).get(detail(case)))


def test_the_case_page_shows_the_file_photos_and_a_masked_phone(client: Any, world: CaseWorld) -> None:
    case = advance(world, report(world, photo_files=[photo()]), CaseStatus.REPLIED)
    page = html(as_user(client, world.worker).get(detail(case)))
    assert "138****8000" in page and "13800138000" not in page
    for action in ("report", "accept", "dispatch", "take", "reply"):
        assert f'data-action="{action}"' in page
    assert "已清运" in page  # the handler's reply
    for att in case.attachments.all():
        assert reverse("cases:attachment", args=[case.pk, att.pk]) in page
    assert case.attachments.count() == 2
    assert world.property_unit.name in page


def test_the_case_page_draws_a_map_only_for_a_point(client: Any, world: CaseWorld) -> None:
    at_building = report(world)
    assert 'id="case-map"' not in html(as_user(client, world.worker).get(detail(at_building)))
    at_point = report(world, building=None, latitude="28.905", longitude="119.805")
    page = html(client.get(detail(at_point)))
    assert 'id="case-map"' in page and "leaflet.js" in page and "case-boundary" in page


# --- the steps through their forms -----------------------------------------------------------------


def _post(client: Any, case: Case, action: str, data: dict[str, Any]) -> Any:
    response = client.post(act(case, action), data)
    assert response.status_code == 302, html(response)[:3000]
    assert response["Location"] == detail(case)
    return client.get(response["Location"])


def test_the_whole_loop_runs_through_the_page(client: Any, world: CaseWorld) -> None:
    case = report(world)
    as_user(client, world.worker)
    page = _post(client, case, "accept", {"urgency": "urgent", "note": "情况属实"})
    assert "Case accepted." in html(page)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.urgency == Urgency.URGENT
    dispatch_form = html(page)
    assert f'value="{world.property_unit.pk}" selected' in dispatch_form  # the category's default unit
    _post(
        client,
        case,
        "dispatch",
        {"unit": world.property_unit.pk, "co_units": [world.department.pk], "note": "请今日清运"},
    )
    case.refresh_from_db()
    assert case.lead_unit == world.property_unit and list(case.co_units.all()) == [world.department]

    as_user(client, world.dept_handler)
    _post(client, case, "assist", {"note": "已协调环卫车辆"})
    as_user(client, world.handler)
    _post(client, case, "take", {"note": ""})
    _post(client, case, "reply", {"note": "已清运完毕", "photos": [photo("after1.jpg"), photo("after2.jpg")]})
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED
    assert case.attachments.filter(kind="proof").count() == 2

    as_user(client, world.grid_worker)
    _post(
        client, case, "verify", {"result": "pass", "note": "现场已清理干净", "photos": [photo("check.jpg")]}
    )
    as_user(client, world.worker)
    page = _post(client, case, "evaluate", {"satisfaction": Satisfaction.SATISFIED, "comment": "回访满意"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.satisfaction == Satisfaction.SATISFIED
    actions = list(case.events.values_list("action", flat=True))
    assert actions[:7] == ["report", "accept", "dispatch", "assist", "take", "reply", "verify_pass"]
    assert sorted(actions[7:]) == ["close", "evaluate"]  # the same moment
    assert 'data-action="close"' in html(page)


def test_verification_can_fail_back_to_the_unit(client: Any, world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.REPLIED)
    as_user(client, world.grid_worker)
    response = client.post(act(case, "verify"), {"result": "fail", "note": ""})
    assert response.status_code == 400 and "Say what is still wrong." in html(response)
    _post(client, case, "verify", {"result": "fail", "note": "仍有垃圾残留"})
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED


@pytest.mark.parametrize(
    ("status", "who", "action", "data", "event"),
    [
        (CaseStatus.REPORTED, "worker", "refuse", {"reason": "不属于受理范围"}, EventAction.REFUSE),
        (CaseStatus.REPORTED, "worker", "escalate", {"reason": "涉及多个社区"}, EventAction.ESCALATE),
        (CaseStatus.ACCEPTED, "worker", "suspend", {"reason": "等待天气好转"}, EventAction.SUSPEND),
        (CaseStatus.DISPATCHED, "street_admin", "supervise", {"note": "请明日前完成"}, EventAction.SUPERVISE),
        (CaseStatus.DISPATCHED, "handler", "return", {"reason": "不属于本单位"}, EventAction.RETURN),
        (CaseStatus.HANDLING, "grid_worker", "comment", {"note": "居民又来电催问"}, EventAction.COMMENT),
        (
            CaseStatus.ACCEPTED,
            "worker",
            "correct",
            {"category": "", "urgency": "urgent", "address": "1幢2单元门口", "reason": "地址补充"},
            EventAction.CORRECT,
        ),
    ],
)
def test_each_step_form_works(
    client: Any, world: CaseWorld, status: str, who: str, action: str, data: dict[str, Any], event: str
) -> None:
    case = advance(world, report(world), status)
    if action == "correct":
        data = {**data, "category": case.category_id}
    _post(as_user(client, getattr(world, who)), case, action, data)
    assert case.events.order_by("-id").values_list("action", flat=True).first() == event


def test_suspend_and_resume_through_the_page(client: Any, world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.DISPATCHED)
    as_user(client, world.worker)
    page = _post(client, case, "suspend", {"reason": "等待法院裁定"})
    assert "Clock stopped" in html(page) and 'data-step="resume"' in html(page)
    _post(client, case, "resume", {"note": ""})
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED and case.due_at is not None


def test_a_public_comment_is_for_the_desk_only(client: Any, world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.HANDLING)
    _post(as_user(client, world.worker), case, "comment", {"note": "已电话告知居民进展", "public": "on"})
    assert case.events.get(action=EventAction.COMMENT).public is True
    handler_page = html(as_user(client, world.handler).get(detail(case)))
    assert 'name="public"' not in handler_page
    _post(client, case, "comment", {"note": "物业内部备注", "public": "on"})
    assert case.events.filter(action=EventAction.COMMENT, public=False).count() == 1


def test_a_refused_step_shows_the_message_and_changes_nothing(client: Any, world: CaseWorld) -> None:
    case = report(world)
    before = case.events.count()
    as_user(client, world.grid_worker)  # may see the case but not accept it
    response = client.post(act(case, "accept"), {"urgency": "normal", "note": "我来立案"})
    assert response.status_code == 400
    assert "You may not do this to this case." in html(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED and case.events.count() == before
    # A step the case is past: the service names the status instead.
    as_user(client, world.worker)
    services.accept_case(case, by=world.worker)
    response = client.post(act(case, "refuse"), {"reason": "重复"})
    assert response.status_code == 400 and "Awaiting dispatch" in html(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED


def test_a_missing_reason_is_asked_for_and_the_typed_text_is_kept(client: Any, world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.HANDLING)
    as_user(client, world.worker)
    response = client.post(act(case, "suspend"), {"reason": "   "})
    assert response.status_code == 400 and "Say why the case is suspended." in html(response)
    as_user(client, world.handler)
    response = client.post(act(case, "reply"), {"note": "已清运并消毒", "photos": [not_a_photo()]})
    assert response.status_code == 400
    page = html(response)
    assert "notes.jpg is not a photo that can be opened." in page
    assert "已清运并消毒" in page  # the note is still in the form
    assert 'id="step-reply" open' in page
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDLING and not CaseAttachment.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("dispatch", {"unit": "abc"}),
        ("dispatch", {"unit": "999999"}),
        ("dispatch", {"unit": "", "co_units": ["x"]}),
        ("accept", {"urgency": "very"}),
        ("merge", {"into": "999999"}),
        ("merge", {"into": "'; select"}),
        ("correct", {"category": "abc", "urgency": "normal", "reason": "x"}),
        ("verify", {"result": "maybe"}),
        ("evaluate", {"satisfaction": "meh"}),
    ],
)
def test_garbage_in_a_step_is_a_message_not_a_500(
    client: Any, world: CaseWorld, action: str, data: dict[str, Any]
) -> None:
    case = report(world)
    as_user(client, world.worker)
    response = client.post(act(case, action), data)
    assert response.status_code == 400
    assert "errorlist" in html(response) or "msg-error" in html(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED


def test_a_unit_outside_the_place_cannot_be_dispatched_to(client: Any, world: CaseWorld) -> None:
    case = advance(world, report(world), CaseStatus.ACCEPTED)
    response = as_user(client, world.worker).post(act(case, "dispatch"), {"unit": world.other_unit.pk})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.lead_unit is None


def test_unknown_steps_and_gets_are_refused(client: Any, world: CaseWorld) -> None:
    case = report(world)
    as_user(client, world.worker)
    assert client.post(act(case, "delete"), {}).status_code == 404
    assert client.get(act(case, "accept")).status_code == 405


# --- duplicates and merging ------------------------------------------------------------------------


def test_a_duplicate_is_shown_prominently_and_merges_into_the_open_case(
    client: Any, world: CaseWorld
) -> None:
    first = advance(world, report(world), CaseStatus.DISPATCHED)
    second = report(world, description="楼下垃圾又堆起来了，很臭")
    as_user(client, world.worker)
    page = html(client.get(detail(second)))
    assert 'id="duplicates"' in page and f'data-duplicate="{first.number}"' in page
    assert "Merge into this one" in page
    _post(client, second, "merge", {"into": first.pk})
    second.refresh_from_db()
    assert second.status == CaseStatus.MERGED and second.merged_into == first
    # The grid worker sees the similar cases but may not merge.
    third = report(world, description="垃圾堆放问题第三次反映")
    page = html(as_user(client, world.grid_worker).get(detail(third)))
    assert f'data-duplicate="{first.number}"' in page and "Merge into this one" not in page


# --- reporting -------------------------------------------------------------------------------------


def _report_data(world: CaseWorld, **extra: Any) -> dict[str, Any]:
    data = {
        "category": world.category.pk,
        "description": "小区门口垃圾堆放影响通行",
        "urgency": "normal",
        "source": "grid",
        "place_mode": "building",
        "building": first_building(world).pk,
        "address": "2单元门口",
        "reporter_name": "",
        "reporter_phone": "",
    }
    data.update(extra)
    return data


def test_the_report_form_defaults_the_source_by_role(client: Any, world: CaseWorld) -> None:
    def checked_source(page: str) -> list[str]:
        return re.findall(r'<input type="radio" name="source" value="(\w+)"[^>]* checked>', page)

    grid_page = html(as_user(client, world.grid_worker).get(reverse("cases:new")))
    assert checked_source(grid_page) == ["grid"]
    desk_page = html(as_user(client, world.worker).get(reverse("cases:new")))
    assert checked_source(desk_page) == ["window"]
    assert 'capture="environment"' in desk_page and "multiple" in desk_page
    assert "<optgroup" in desk_page  # categories grouped by their parent


def test_a_grid_worker_reports_a_case_at_a_building_with_photos(client: Any, world: CaseWorld) -> None:
    as_user(client, world.grid_worker)
    response = client.post(reverse("cases:new"), _report_data(world, photos=[photo(), photo("2.png", "PNG")]))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(case)
    assert case.source == Source.GRID and case.building == first_building(world)
    assert case.reporter == world.grid_worker and case.attachments.count() == 2
    assert case.address == "2单元门口"
    page = html(client.get(response["Location"]))
    assert f"Case {case.number} reported." in page


def test_a_case_can_be_placed_by_grid_or_by_a_point(client: Any, world: CaseWorld) -> None:
    as_user(client, world.worker)
    data = _report_data(world, place_mode="area", area=f"grid:{world.county.grid_a1_2.pk}", source="hotline")
    assert client.post(reverse("cases:new"), data).status_code == 302
    by_grid = Case.objects.get()
    assert by_grid.grid == world.county.grid_a1_2 and by_grid.building is None and by_grid.source == "hotline"
    data = _report_data(world, place_mode="map", latitude="28.905", longitude="119.805", building="")
    assert client.post(reverse("cases:new"), data).status_code == 302
    by_point = Case.objects.latest("id")
    assert by_point.grid == world.county.grid_a1_1 and by_point.latitude is not None
    data = _report_data(world, place_mode="area", area=f"community:{world.county.community_a1.pk}")
    assert client.post(reverse("cases:new"), data).status_code == 302
    assert Case.objects.latest("id").grid is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"category": ""}, "Choose a specific category."),
        ({"category": "abc"}, "Select a valid choice"),
        ({"description": "脏"}, "Describe the problem in at least 5 characters."),
        ({"photos": [not_a_photo("bad.jpg")]}, "bad.jpg is not a photo that can be opened."),
        ({"building": "999999"}, "Choose a building from the list."),
        ({"building": ""}, "Choose a building or a point on the map"),
        ({"place_mode": "map", "latitude": "abc", "longitude": "1"}, "Enter a number."),
        (
            {"place_mode": "map", "latitude": "10.5", "longitude": "10.5"},
            "Choose a building or a point on the map",
        ),
        ({"place_mode": "area", "area": "grid:999999"}, "Choose a place from the list."),
        ({"reporter_phone": "12345"}, "Not a valid phone number."),
        ({"urgency": "panic"}, "Select a valid choice"),
        ({"source": "portal"}, "Select a valid choice"),
    ],
)
def test_bad_reports_are_explained_and_store_nothing(
    client: Any, world: CaseWorld, extra: dict[str, Any], message: str
) -> None:
    as_user(client, world.grid_worker)
    response = client.post(reverse("cases:new"), _report_data(world, **extra))
    assert response.status_code == 400
    assert message in html(response)
    assert not Case.objects.exists() and not CaseAttachment.objects.exists()


def test_a_building_outside_the_scope_cannot_be_picked(client: Any, world: CaseWorld) -> None:
    as_user(client, world.grid_worker)
    outside = world.county.buildings["b11"]
    response = client.post(reverse("cases:new"), _report_data(world, building=outside.pk))
    assert response.status_code == 400 and not Case.objects.exists()


def test_the_building_search_finds_buildings_in_reach_only(client: Any, world: CaseWorld) -> None:
    as_user(client, world.grid_worker)
    found = html(client.get(reverse("cases:building_search"), {"q": "小区"}, **HTMX))
    mine = first_building(world)
    assert f'data-id="{mine.pk}"' in found
    assert f'data-id="{world.county.buildings["b11"].pk}"' not in found
    assert f'data-id="{world.county.buildings["a21"].pk}"' not in found
    assert "pick-list" not in html(client.get(reverse("cases:building_search"), {"q": ""}))


def test_a_new_duplicate_report_lands_on_a_page_that_says_so(client: Any, world: CaseWorld) -> None:
    first = report(world)
    as_user(client, world.worker)
    response = client.post(reverse("cases:new"), _report_data(world, source="window"), follow=True)
    page = html(response)
    assert 'id="duplicates"' in page and first.number in page


# --- to-do -----------------------------------------------------------------------------------------


def _light(case: Case, light: str) -> None:
    now = timezone.now()
    if light == "yellow":
        Case.objects.filter(pk=case.pk).update(
            warn_at=now - dt.timedelta(hours=1), due_at=now + dt.timedelta(hours=1)
        )
    else:
        Case.objects.filter(pk=case.pk).update(
            warn_at=now - dt.timedelta(hours=3), due_at=now - dt.timedelta(hours=1)
        )


def test_todo_splits_what_waits_on_me_by_light(client: Any, world: CaseWorld) -> None:
    soon, late, fine = report(world), report(world), report(world)
    _light(soon, "yellow")
    _light(late, "red")
    sent = advance(world, report(world), CaseStatus.DISPATCHED)  # waits on the unit, not the desk
    as_user(client, world.worker)
    page = html(client.get(reverse("cases:todo")))
    assert 'data-tab="overdue"' in page and late.number in page and soon.number not in page  # overdue first
    soon_page = html(client.get(reverse("cases:todo"), {"tab": "due_soon"}))
    assert soon.number in soon_page and late.number not in soon_page
    all_page = html(client.get(reverse("cases:todo"), {"tab": "all"}))
    assert {soon.number, late.number, fine.number} <= {
        c.number for c in Case.objects.all() if f'data-case="{c.number}"' in all_page
    }
    assert sent.number not in all_page
    assert '<span class="count count-yellow">1</span>' in all_page
    assert '<span class="count count-red">1</span>' in all_page
    assert client.get(reverse("cases:todo"), {"tab": "bogus"}).status_code == 200


def test_a_handlers_todo_is_their_units_work(client: Any, world: CaseWorld) -> None:
    waiting = report(world)
    sent = advance(world, report(world), CaseStatus.DISPATCHED)
    _light(sent, "red")
    page = html(as_user(client, world.handler).get(reverse("cases:todo"), {"tab": "all"}))
    assert sent.number in page and waiting.number not in page
    assert "light-red" in page


def test_the_escalated_level_is_shown(client: Any, world: CaseWorld) -> None:
    case = report(world)
    services.escalate_case(case, by=world.worker, reason="需要街道协调")
    case.refresh_from_db()
    assert case.level == Level.STREET
    page = html(as_user(client, world.street_admin).get(reverse("cases:list")))
    assert str(Level.STREET.label) in page


def test_case_page_query_count_does_not_grow_with_the_file(client: Any, world: CaseWorld) -> None:
    case = advance(world, report(world, photo_files=[photo()]), CaseStatus.HANDLING)
    as_user(client, world.worker)
    few = _count(client, detail(case))
    for i in range(15):
        services.comment_case(case, by=world.handler, note=f"进展说明{i}")
    services.reply_case(case, by=world.handler, note="已处理", photo_files=[photo(), photo(), photo()])
    assert _count(client, detail(case)) == few


def test_residents_and_volunteers_are_sent_to_the_portal_form(client, county):
    from shequ.accounts.roles import Role
    from shequ.testing import PASSWORD, make_user

    for role in (Role.RESIDENT, Role.VOLUNTEER):
        user = make_user(role, county.community_a1)
        client.login(username=user.username, password=PASSWORD)
        response = client.get("/cases/new/")
        assert response.status_code == 302 and response.url == "/portal/report/"
