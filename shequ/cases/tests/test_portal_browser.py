"""The resident portal on a phone-sized screen (390×844) in a real browser: report with a photo at
a building found by its address, get a number, follow the case, evaluate it once handled; and a
report placed by tapping the map. Screenshots go to test-artifacts/screenshots/portal_*.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from PIL import Image, ImageDraw

from shequ.cases.models import Case, CaseStatus, Satisfaction
from shequ.cases.testing import CaseWorld, advance, build_case_world
from shequ.conftest import screenshot
from shequ.testing import ensure_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: Any) -> None:
    ensure_reference_data()
    cache.clear()


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


def new_phone(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    return page


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    page = new_phone(browser, live_server)
    yield page
    page.context.close()


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    """A real JPEG, as a phone camera would hand it over (smaller)."""
    path = tmp_path / "rubbish.jpg"
    image = Image.new("RGB", (800, 600), (120, 160, 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 250, 600, 560), fill=(90, 70, 50))
    draw.ellipse((300, 150, 500, 320), fill=(40, 40, 40))
    image.save(path, format="JPEG", quality=85)
    return path


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_resident_reports_follows_and_evaluates(
    phone: Any, browser: Any, live_server: Any, world: CaseWorld, snapshot: Path
) -> None:
    phone.goto(phone.base_url + "/portal/")
    phone.wait_for_selector("#go-report")
    assert "垃圾堆放" in phone.inner_text(".p-card")
    assert no_horizontal_scroll(phone)
    screenshot(phone, "portal_home")

    phone.click("#go-report")
    phone.wait_for_selector("#report-form")
    phone.select_option("#id_category", str(world.category.pk))
    phone.fill("#id_description", "小区东门垃圾堆放三天无人清运，气味很大")
    phone.set_input_files("#id_photos", str(snapshot))
    phone.wait_for_function(
        "() => document.querySelector('.p-thumbs img') && document.querySelector('.p-thumbs img').naturalWidth > 0"
    )
    phone.fill("#id_building_query", "溪南小区")
    phone.wait_for_selector(".p-result")
    phone.click(".p-result:has-text('武义县溪南小区1幢')")
    phone.wait_for_selector("#chosen-building", state="visible")
    assert "武义县溪南小区1幢" in phone.inner_text("#chosen-building")
    phone.fill("#id_address", "东门垃圾房旁")
    phone.fill("#id_name", "王女士")
    phone.fill("#id_phone", PHONE)
    assert no_horizontal_scroll(phone)
    screenshot(phone, "portal_report_filled")

    phone.click("#report-form button[type=submit]")
    phone.wait_for_selector("#case-number")
    case = Case.objects.get()
    assert phone.inner_text("#case-number").strip() == case.number
    assert case.building is not None and case.attachments.count() == 1
    assert PHONE not in (phone.get_attribute("#follow-link", "href") or "")
    screenshot(phone, "portal_report_done")

    phone.click("#follow-link")
    phone.wait_for_selector("#case-status")
    assert case.number in phone.inner_text("#case-status")

    advance(world, case, CaseStatus.TO_EVALUATE)

    # Later, on another day (a new browser session): the number and the phone bring the case back.
    later = new_phone(browser, live_server)
    try:
        later.goto(later.base_url + "/portal/")
        later.click("#go-follow")
        later.fill("#id_number", case.number)
        later.fill("#id_phone", "13700000000")
        later.click("#follow-form button[type=submit]")
        later.wait_for_selector("#follow-error")
        later.fill("#id_phone", PHONE)
        later.click("#follow-form button[type=submit]")
        later.wait_for_selector("#evaluate-form")
        # The reporter's photo and the unit's proof photo, both through the session-checked view.
        later.wait_for_function(
            "() => Array.from(document.querySelectorAll('.p-photos img')).filter(i => i.complete && i.naturalWidth > 0).length === 2"
        )
        assert "熟溪物业服务中心" in later.inner_text("#case-timeline")
        assert world.handler.username not in later.content()
        assert no_horizontal_scroll(later)
        screenshot(later, "portal_follow")

        later.click(".p-rate-satisfied")
        later.fill("#id_comment", "处理得很及时，谢谢")
        later.click("#evaluate-submit")
        later.wait_for_selector(".p-msg-success")
        assert "已办结" in later.inner_text(".p-msg-success")
        assert later.locator("#evaluate-form").count() == 0
        screenshot(later, "portal_evaluated")
    finally:
        later.context.close()
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.satisfaction == Satisfaction.SATISFIED


def test_resident_taps_the_place_on_the_map(phone: Any, world: CaseWorld) -> None:
    phone.goto(phone.base_url + "/portal/report/")
    phone.select_option("#id_category", str(world.category.pk))
    phone.fill("#id_description", "路灯坏了好几天，晚上很黑")
    phone.click("#tab-map")
    phone.wait_for_selector("#portal-map[data-loaded='1']")
    phone.locator("#portal-map").scroll_into_view_if_needed()
    box = phone.locator("#portal-map").bounding_box()
    # The three communities fill the map; a quarter in from the left, low down, is in 熟溪.
    phone.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.75)
    phone.wait_for_selector("#chosen-point", state="visible")
    latitude = phone.input_value("input[name=latitude]")
    assert latitude != ""
    screenshot(phone, "portal_report_map")
    # Forgot the phone: the form comes back with the message, the text and the point kept.
    phone.click("#report-form button[type=submit]")
    phone.wait_for_selector("#field-phone .p-errors")
    assert phone.input_value("#id_description") == "路灯坏了好几天，晚上很黑"
    assert phone.input_value("input[name=latitude]") == latitude
    phone.wait_for_selector("#portal-map[data-loaded='1']")
    assert phone.locator("#chosen-point").is_visible()
    assert Case.objects.count() == 0
    screenshot(phone, "portal_report_error")
    phone.fill("#id_phone", PHONE)
    phone.click("#report-form button[type=submit]")
    phone.wait_for_selector("#case-number")
    case = Case.objects.get()
    assert case.latitude is not None and case.building is None
    assert case.community in (world.county.community_a1, world.county.community_a2)
