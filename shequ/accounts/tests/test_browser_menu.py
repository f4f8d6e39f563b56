"""On a phone the sidebar is hidden; a button in the top bar opens it, so grid workers can move around."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shequ.accounts.roles import Role
from shequ.conftest import log_in, screenshot
from shequ.testing import PASSWORD, build_county, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_menu_opens_and_leads_to_the_cases(page):
    county = build_county()
    user = make_user(Role.GRID_WORKER, county.grid_a1_1)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, user.username, PASSWORD)
    sidebar = page.locator("aside.sidebar")
    expect(sidebar).to_be_hidden()
    page.click("button.menu-toggle")
    expect(sidebar).to_be_visible()
    screenshot(page, "phone-menu-open")
    page.keyboard.press("Escape")
    expect(sidebar).to_be_hidden()
    page.click("button.menu-toggle")
    sidebar.locator("a[href='/cases/todo/']").click()
    page.wait_for_url("**/cases/todo/")
    expect(page.locator("aside.sidebar")).to_be_hidden()
