"""The loop in a real browser (Debian's Chromium through Playwright), staff side: a grid worker
reports from a phone, the desk accepts and dispatches, the unit takes and replies, the grid worker
verifies. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from shequ.cases.models import Case, CaseStatus
from shequ.cases.testing import CaseWorld, build_case_world, report
from shequ.conftest import log_in, screenshot
from shequ.testing import PASSWORD, County, ensure_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: Any) -> None:
    ensure_reference_data()


@pytest.fixture
def world(county: County) -> CaseWorld:
    return build_case_world(county)


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    context.close()


def jpeg(colour: tuple[int, int, int] = (90, 140, 60)) -> dict[str, Any]:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, format="JPEG")
    return {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def submit_step(page: Any, step: str) -> None:
    page.click(f"form[data-step={step}] button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_the_loop_from_a_phone_report_to_verification(page: Any, phone: Any, world: CaseWorld) -> None:
    # Two older cases so the list and the to-do have something beside the new one.
    report(world, description="楼道里堆满杂物，影响通行")
    report(world, description="绿化带垃圾无人清理", urgency="urgent")

    # 1. The grid worker reports from a phone: category, text, a building found by typing, a photo.
    log_in(phone, world.grid_worker.username, PASSWORD)
    phone.goto(f"{phone.base_url}/cases/new/")
    phone.select_option("select[name=category]", str(world.category.pk))
    phone.fill("textarea[name=description]", "3幢楼下垃圾桶满溢，已有异味")
    phone.click("button[data-mode=map]")
    phone.wait_for_selector("#report-map[data-loaded='1']")
    assert phone.locator("#report-map path").count() >= 1  # the community and grid outlines
    phone.click("button[data-mode=building]")
    phone.fill("#building-q", "溪南")
    phone.wait_for_selector("#building-picks button.pick")
    phone.click("#building-picks button.pick >> nth=0")
    phone.wait_for_selector(".picked", state="visible")
    phone.fill("input[name=address]", "3单元门口")
    phone.set_input_files("input[name=photos]", files=[jpeg()])
    screenshot(phone, "case_report_phone")
    print(
        phone.evaluate(
            """Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > 390).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 30)"""
        )
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sideways
    phone.click("#report-form button[type=submit]")
    phone.wait_for_selector("#case-file")
    case = Case.objects.get(description="3幢楼下垃圾桶满溢，已有异味")
    assert case.number in phone.locator(".messages").inner_text()
    assert case.source == "grid" and case.attachments.count() == 1
    phone.locator(".photo img").first.scroll_into_view_if_needed()  # thumbnails load lazily
    phone.wait_for_function(
        "() => document.querySelector('.photo img').naturalWidth > 0"
    )  # served through the check
    screenshot(phone, "case_detail_phone")

    # 2. The desk: the list filters with HTMX, then accept and dispatch to the default unit.
    log_in(page, world.worker.username, PASSWORD)
    page.goto(f"{page.base_url}/cases/")
    page.wait_for_selector("#cases-table")
    assert page.locator("#cases-table tbody tr").count() == 3
    page.select_option("select[name=urgency]", "urgent")
    page.wait_for_function("() => document.querySelectorAll('#cases-table tbody tr').length === 1")
    assert "urgency=urgent" in page.url
    page.select_option("select[name=urgency]", "")
    page.wait_for_function("() => document.querySelectorAll('#cases-table tbody tr').length === 3")
    screenshot(page, "cases_list")
    page.click(f"#cases-table a:text('{case.number}')")
    page.wait_for_selector("#step-accept[open]")
    page.check("form[data-step=accept] input[value=urgent]")
    submit_step(page, "accept")
    assert page.locator("#step-dispatch[open]").count() == 1
    selected = page.locator("form[data-step=dispatch] select[name=unit]").input_value()
    assert selected == str(world.property_unit.pk)  # the category's usual unit
    page.fill("form[data-step=dispatch] textarea[name=note]", "请今日内清运")
    submit_step(page, "dispatch")
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED and case.lead_unit == world.property_unit

    # 3. The unit: its to-do, take, reply with a photo.
    page.context.clear_cookies()
    log_in(page, world.handler.username, PASSWORD)
    page.goto(f"{page.base_url}/cases/todo/?tab=all")
    page.wait_for_selector("#todo-table")
    assert case.number in page.locator("#todo-table").inner_text()
    screenshot(page, "cases_todo")
    page.click(f"#todo-table a:text('{case.number}')")
    submit_step(page, "take")
    page.fill("form[data-step=reply] textarea[name=note]", "已清运并冲洗地面")
    page.set_input_files("form[data-step=reply] input[name=photos]", files=[jpeg((40, 120, 200))])
    submit_step(page, "reply")
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED

    # 4. The grid worker verifies on site from the phone.
    phone.goto(f"{phone.base_url}/cases/{case.pk}/")
    phone.wait_for_selector("#step-verify[open]")
    phone.check("form[data-step=verify] input[value=pass]")
    phone.fill("form[data-step=verify] textarea[name=note]", "现场已清理干净")
    phone.set_input_files("form[data-step=verify] input[name=photos]", files=[jpeg((200, 200, 90))])
    screenshot(phone, "case_verify_phone")
    phone.click("form[data-step=verify] button[type=submit]")
    phone.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.status == CaseStatus.TO_EVALUATE

    # The file tells the whole story, with the photos of every side; the desk records the follow-up call.
    page.context.clear_cookies()
    log_in(page, world.worker.username, PASSWORD)
    page.goto(f"{page.base_url}/cases/{case.pk}/")
    actions = page.locator("#case-file > li").evaluate_all("els => els.map(e => e.dataset.action)")
    assert actions == ["report", "accept", "dispatch", "take", "reply", "verify_pass"]
    assert page.locator("#case-file .photo img").count() == 3
    assert page.locator("#step-evaluate[open]").count() == 1
    screenshot(page, "case_detail")
