"""The whole loop and every refusal path, through the services."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from shequ.audit.models import AuditEvent
from shequ.cases import services
from shequ.cases.models import Case, CaseStatus, EventAction, Level, Satisfaction, Source, Stage, Urgency
from shequ.cases.services.common import acting_at
from shequ.cases.testing import CaseWorld, advance, build_case_world, photo, report
from shequ.core.actors import System
from shequ.core.errors import RuleError

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(county) -> CaseWorld:
    return build_case_world(county)


def actions(case: Case) -> list[str]:
    return list(case.events.order_by("at", "id").values_list("action", flat=True))


def test_happy_path_walks_every_step_and_keeps_a_file(world):
    case = report(world, photo_files=[photo()])
    assert case.status == CaseStatus.REPORTED and case.stage == Stage.ACCEPT and case.due_at
    assert len(case.number) == 12 and case.attachments.count() == 1
    case = advance(world, case, CaseStatus.CLOSED)
    assert case.satisfaction == Satisfaction.SATISFIED and case.closed_at and case.handling_hours is not None
    assert actions(case) == [
        "report",
        "accept",
        "dispatch",
        "take",
        "reply",
        "verify_pass",
        "evaluate",
        "close",
    ]
    assert case.stage == "" and case.due_at is None and case.light == ""
    assert AuditEvent.objects.filter(target_id=str(case.pk), action="case:dispatch").count() == 1


def test_each_stage_starts_its_own_clock(world):
    case = report(world)
    assert case.stage == Stage.ACCEPT and case.limit_hours == float(world.category.accept_hours)
    case = advance(world, case, CaseStatus.ACCEPTED)
    assert case.stage == Stage.DISPATCH and case.limit_hours == float(world.category.dispatch_hours)
    case = advance(world, case, CaseStatus.HANDLING)
    assert case.stage == Stage.HANDLE and case.limit_hours == float(world.category.handle_hours)
    case = advance(world, case, CaseStatus.REPLIED)
    assert case.stage == Stage.VERIFY and case.limit_hours == float(world.category.verify_hours)


def test_urgent_cases_get_half_the_time(world):
    case = report(world, urgency=Urgency.URGENT)
    assert case.limit_hours == float(world.category.accept_hours) / 2


def test_refusing_needs_a_reason_and_ends_the_case(world):
    case = report(world)
    with pytest.raises(RuleError) as err:
        services.refuse_case(case, by=world.worker, reason="  ")
    assert "reason" in err.value.fields
    case = services.refuse_case(case, by=world.worker, reason="不属于社区职责范围，请拨打12345")
    assert case.status == CaseStatus.REFUSED and case.closed_at and case.stage == ""
    assert case.status_notes.startswith("不属于")
    with pytest.raises(RuleError) as err:
        services.accept_case(case, by=world.worker)
    assert err.value.code == "wrong_status"


def test_steps_out_of_order_are_refused_and_change_nothing(world):
    case = report(world)
    events = case.events.count()
    for step in (
        lambda: services.dispatch_case(case, by=world.worker, unit=world.property_unit),
        lambda: services.take_case(case, by=world.handler),
        lambda: services.reply_case(case, by=world.handler, note="done"),
        lambda: services.verify_case(case, by=world.worker, passed=True),
        lambda: services.evaluate_case(case, satisfaction="satisfied", by=world.worker),
        lambda: services.resume_case(case, by=world.worker),
    ):
        with pytest.raises(RuleError) as err:
            step()
        assert err.value.code in ("wrong_status", "forbidden")
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED and case.events.count() == events


def test_only_the_desk_in_scope_may_accept(world):
    case = report(world)
    for stranger in (world.outsider, world.handler, world.grid_worker):
        with pytest.raises(RuleError) as err:
            services.accept_case(case, by=stranger)
        assert err.value.code == "forbidden"
    assert services.accept_case(case, by=world.street_admin).status == CaseStatus.ACCEPTED


def test_dispatch_only_to_a_unit_that_serves_the_place(world):
    case = advance(world, report(world), CaseStatus.ACCEPTED)
    with pytest.raises(RuleError) as err:
        services.dispatch_case(case, by=world.worker, unit=world.other_unit)
    assert err.value.code == "invalid_unit"
    case = services.dispatch_case(
        case, by=world.worker, unit=world.property_unit, co_units=[world.department]
    )
    assert case.lead_unit == world.property_unit and list(case.co_units.all()) == [world.department]


def test_only_members_of_the_lead_unit_take_reply_or_return(world):
    case = advance(world, report(world), CaseStatus.DISPATCHED)
    for stranger in (world.dept_handler, world.worker, world.outsider):
        with pytest.raises(RuleError):
            services.take_case(case, by=stranger)
    services.take_case(case, by=world.handler2)
    with pytest.raises(RuleError) as err:
        services.take_case(case, by=world.handler)
    assert err.value.code == "wrong_status"
    with pytest.raises(RuleError) as err:
        services.reply_case(case, by=world.handler, note="")
    assert "note" in err.value.fields


def test_co_handling_unit_adds_notes_but_cannot_reply(world):
    case = advance(world, report(world), CaseStatus.ACCEPTED)
    case = services.dispatch_case(
        case, by=world.worker, unit=world.property_unit, co_units=[world.department]
    )
    services.assist_case(case, by=world.dept_handler, note="已协调环卫车辆")
    services.take_case(case, by=world.handler)
    with pytest.raises(RuleError):
        services.reply_case(case, by=world.dept_handler, note="done")
    assert EventAction.ASSIST in actions(case)


def test_returned_case_goes_back_to_the_desk_with_a_reason(world):
    case = advance(world, report(world), CaseStatus.HANDLING)
    with pytest.raises(RuleError):
        services.return_case(case, by=world.handler, reason="")
    case = services.return_case(case, by=world.handler, reason="不在本物业管理范围")
    assert case.status == CaseStatus.ACCEPTED and case.lead_unit is None and case.stage == Stage.DISPATCH
    case = services.dispatch_case(case, by=world.worker, unit=world.department)
    services.take_case(case, by=world.dept_handler)


def test_failed_verification_sends_it_back_to_the_same_unit(world):
    case = advance(world, report(world), CaseStatus.REPLIED)
    with pytest.raises(RuleError) as err:
        services.verify_case(case, by=world.grid_worker, passed=False, note="")
    assert "note" in err.value.fields
    case = services.verify_case(
        case, by=world.grid_worker, passed=False, note="垃圾仍未清完", photo_files=[photo()]
    )
    assert case.status == CaseStatus.DISPATCHED and case.lead_unit == world.property_unit
    assert case.stage == Stage.HANDLE
    with pytest.raises(RuleError):
        services.verify_case(case, by=world.outsider, passed=True)


def test_unsatisfied_reopens_once_then_escalates_then_closes_at_the_top(world):
    phone = "13800138000"
    case = advance(world, report(world), CaseStatus.TO_EVALUATE)
    case = services.evaluate_case(
        case,
        satisfaction=Satisfaction.UNSATISFIED,
        reporter_phone=phone,
        comment="没清干净",
        by=System("test"),
    )
    assert case.status == CaseStatus.DISPATCHED and case.reopen_count == 1 and case.level == Level.COMMUNITY
    case = advance(world, case, CaseStatus.TO_EVALUATE)
    case = services.evaluate_case(
        case, satisfaction=Satisfaction.UNSATISFIED, reporter_phone=phone, by=System("test")
    )
    assert case.status == CaseStatus.ACCEPTED and case.level == Level.STREET and case.lead_unit is None
    # The community no longer dispatches it; the street does.
    with pytest.raises(RuleError):
        services.dispatch_case(case, by=world.worker, unit=world.department)
    case = services.dispatch_case(case, by=world.street_admin, unit=world.department)
    services.take_case(case, by=world.dept_handler)
    services.reply_case(case, by=world.dept_handler, note="住建局已督促整改")
    services.verify_case(case, by=world.street_admin, passed=True)
    case = services.evaluate_case(
        case, satisfaction=Satisfaction.UNSATISFIED, reporter_phone=phone, by=System("test")
    )
    assert case.level == Level.DISTRICT and case.status == CaseStatus.ACCEPTED
    case = services.dispatch_case(case, by=world.district_admin, unit=world.department)
    services.take_case(case, by=world.dept_handler)
    services.reply_case(case, by=world.dept_handler, note="已处理")
    services.verify_case(case, by=world.district_admin, passed=True)
    case = services.evaluate_case(
        case, satisfaction=Satisfaction.UNSATISFIED, reporter_phone=phone, by=System("test")
    )
    assert case.status == CaseStatus.CLOSED and case.satisfaction == Satisfaction.UNSATISFIED


def test_only_the_reporter_or_the_desk_may_evaluate(world):
    case = advance(world, report(world), CaseStatus.TO_EVALUATE)
    for attempt in (
        lambda: services.evaluate_case(
            case, satisfaction="satisfied", reporter_phone="13900000000", by=System("test")
        ),
        lambda: services.evaluate_case(case, satisfaction="satisfied", by=System("test")),
        lambda: services.evaluate_case(case, satisfaction="satisfied", by=world.handler),
        lambda: services.evaluate_case(
            case, satisfaction="great", reporter_phone="13800138000", by=System("test")
        ),
    ):
        with pytest.raises(RuleError):
            attempt()
    # A worker records a follow-up call (回访).
    case = services.evaluate_case(case, satisfaction=Satisfaction.BASIC, by=world.worker, comment="电话回访")
    assert case.status == CaseStatus.CLOSED and case.satisfaction == Satisfaction.BASIC


def test_escalation_passes_dispatch_up_a_level(world):
    case = report(world)
    with pytest.raises(RuleError):
        services.escalate_case(case, by=world.worker, reason="")
    case = services.escalate_case(case, by=world.worker, reason="涉及多个社区，需街道协调")
    assert case.level == Level.STREET and case.status == CaseStatus.ACCEPTED and case.accepted_at
    case = services.escalate_case(case, by=world.street_admin, reason="需县级部门")
    assert case.level == Level.DISTRICT
    with pytest.raises(RuleError) as err:
        services.escalate_case(case, by=world.district_admin, reason="again")
    assert err.value.code == "top_level"


def test_suspension_stops_the_clock_and_resuming_gives_back_the_time_left(world):
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SH)  # a Monday
    with acting_at(start):
        case = advance(world, report(world, reported_at=start), CaseStatus.HANDLING)
    # 16 working hours: 7.5 on Monday (08:30-12:00, 13:30-18:00), 8 on Tuesday, 0.5 on Wednesday.
    assert case.due_at == dt.datetime(2026, 11, 25, 9, 0, tzinfo=SH)
    with acting_at(start + dt.timedelta(hours=2)):  # 2 working hours used
        case = services.suspend_case(case, by=world.worker, reason="等待业主回家开门")
    assert case.status == CaseStatus.SUSPENDED and case.due_at is None and case.remaining_hours == 14
    resumed_at = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SH)  # a week later
    with acting_at(resumed_at):
        case = services.resume_case(case, by=world.worker)
    assert case.status == CaseStatus.HANDLING
    assert case.due_at == dt.datetime(2026, 12, 1, 16, 30, tzinfo=SH)  # 14 h: 7.5 on Monday, 6.5 on Tuesday
    with pytest.raises(RuleError):
        services.resume_case(case, by=world.worker)


def test_merge_joins_a_duplicate_to_the_open_case(world):
    first = report(world)
    second = report(world, description="同一处垃圾，居民再次反映")
    with pytest.raises(RuleError):
        services.merge_case(second, into=second, by=world.worker)
    merged = services.merge_case(second, into=first, by=world.worker)
    assert merged.status == CaseStatus.MERGED and merged.merged_into == first and merged.closed_at
    assert second.number in first.events.last().comment
    assert first.number in merged.status_notes
    closed = advance(world, report(world), CaseStatus.CLOSED)
    with pytest.raises(RuleError):
        services.merge_case(report(world), into=closed, by=world.worker)


def test_supervision_is_counted_and_only_for_open_cases(world):
    case = advance(world, report(world), CaseStatus.HANDLING)
    services.supervise_case(case, by=world.street_admin, note="请于周五前处理完毕")
    case.refresh_from_db()
    assert case.supervise_count == 1
    with pytest.raises(RuleError):
        services.supervise_case(case, by=world.handler, note="x")


def test_corrections_are_new_events_that_name_old_and_new_values(world):
    case = report(world)
    other = world.category.parent.children.exclude(pk=world.category.pk).first()
    case = services.correct_case(case, by=world.worker, reason="分类错误", category=other, urgency="urgent")
    event = case.events.get(action=EventAction.CORRECT)
    assert event.data["category"] == [world.category.name, other.name]
    assert event.data["urgency"] == ["normal", "urgent"]
    with pytest.raises(RuleError) as err:
        services.correct_case(case, by=world.worker, reason="nothing")
    assert err.value.code == "no_change"


def test_report_validation_names_each_bad_field_and_stores_nothing(world):
    before = Case.objects.count()
    with pytest.raises(RuleError) as err:
        services.report_case(
            by=System("test"),
            category=world.category.parent,  # a top-level node with children
            description="abc",
            source=Source.PORTAL,
            building=next(iter(world.county.buildings.values())),
            reporter_phone="12345",
            urgency="whenever",
        )
    assert set(err.value.fields) >= {"category", "description", "reporter_phone", "urgency"}
    with pytest.raises(RuleError) as err:
        services.report_case(
            by=System("test"),
            category=world.category,
            description="楼道堆放杂物",
            source=Source.PORTAL,
            reporter_phone="",
        )
    assert "reporter_phone" in err.value.fields
    with pytest.raises(RuleError) as err:
        report(world, building=None, latitude=10, longitude=10, by=System("portal"), source=Source.PORTAL)
    assert err.value.code == "unknown_location"
    with pytest.raises(RuleError) as err:
        report(world, photo_files=[photo(), _not_an_image()])
    assert err.value.code == "invalid_photo"
    assert Case.objects.count() == before


def _not_an_image():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")


def test_grid_workers_report_only_in_their_own_area(world):
    outside = next(
        b for b in world.county.buildings.values() if b.community_id == world.county.community_b1.pk
    )
    with pytest.raises(RuleError) as err:
        report(world, building=outside)
    assert err.value.code == "forbidden"
    # Residents report anywhere through the portal.
    case = report(world, by=System("portal"), source=Source.PORTAL, building=outside)
    assert case.community == world.county.community_b1


def test_a_point_on_the_map_finds_its_grid(world):
    grid = world.county.grid_a1_2
    case = report(
        world, by=System("portal"), source=Source.PORTAL, building=None, latitude=28.905, longitude=119.815
    )
    assert case.grid == grid and case.area_path == grid.path and case.community == world.county.community_a1


def test_photos_are_reencoded_without_exif(world):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    Image.new("RGB", (4000, 3000), (10, 20, 30)).save(buffer, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("big.jpg", buffer.getvalue(), content_type="image/jpeg")
    case = report(world, photo_files=[upload])
    stored = case.attachments.get()
    with stored.file.open("rb") as f, Image.open(f) as image:
        assert max(image.size) == 2560
        assert not image.getexif()
    assert stored.content_type == "image/jpeg" and len(stored.sha256) == 64


def test_case_numbers_count_up_within_a_day(world):
    a, b = report(world), report(world)
    assert a.number[:8] == b.number[:8] and int(b.number) == int(a.number) + 1
