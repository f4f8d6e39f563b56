"""Print in a real browser (Chromium): a detail page printed with Ctrl+P shows the record only,
every tab of it, and the 打印 button leads to the paper form; the error pages are Chinese pages
in the layout. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.accounts.roles import Role
from shequ.conftest import log_in, screenshot
from shequ.testing import PASSWORD, County, ensure_reference_data, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: Any) -> None:
    ensure_reference_data()


def test_a_printed_resident_page_shows_the_record_without_navigation(page: Any, county: County) -> None:
    make_user(Role.COMMUNITY_WORKER, county.community_a1, username="printer_a1")
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, "printer_a1", PASSWORD)
    resident = county.residents["a11"]
    page.goto(f"{page.base_url}/registry/residents/{resident.pk}/")
    button = page.locator(f"a[href='/registry/residents/{resident.pk}/print.pdf']")
    assert button.is_visible() and "打印" in button.inner_text()
    screenshot(page, "print_resident_screen")

    page.emulate_media(media="print")
    assert not page.locator(".sidebar").is_visible()
    assert not page.locator(".topbar").is_visible()
    assert not button.is_visible()
    assert page.locator("#tab-family").is_visible()  # every tab prints, not only the open one
    assert page.locator("#tab-history").is_visible()
    screenshot(page, "print_resident_print_media")

    response = page.request.get(f"{page.base_url}/registry/residents/{resident.pk}/print.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


def test_the_403_page_is_chinese_in_the_layout(page: Any, county: County) -> None:
    make_user(Role.VOLUNTEER, county.community_a1, username="volunteer_a1")
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, "volunteer_a1", PASSWORD)
    page.goto(page.base_url + "/cases/todo/")
    assert page.locator("h1").inner_text() == "您无权访问此页面"
    assert page.locator(".sidebar").is_visible()
    page.click("text=返回工作台")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/portal/")  # a volunteer's own work (accounts/landing.py)
    page.goto(page.base_url + "/cases/todo/")
    screenshot(page, "error_403")
