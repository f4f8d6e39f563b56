"""On a phone the sidebar is hidden; a button in the top bar opens it, so grid workers can move around."""

from __future__ import annotations

import pytest

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
    assert not sidebar.is_visible()
    page.click("button.menu-toggle")
    assert sidebar.is_visible()
    screenshot(page, "phone-menu-open")
    page.keyboard.press("Escape")
    assert not sidebar.is_visible()
    page.click("button.menu-toggle")
    sidebar.locator("a[href='/cases/todo/']").click()
    page.wait_for_url("**/cases/todo/")
    assert not page.locator("aside.sidebar").is_visible()
