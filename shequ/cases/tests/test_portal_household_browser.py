"""A resident signed in on a phone (390×844) lands on the portal and finds their household there:
its number, address and members, and nothing personal. Screenshot:
test-artifacts/screenshots/portal-home-household.png."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from shequ.accounts.roles import Role
from shequ.conftest import log_in, screenshot
from shequ.core.actors import System
from shequ.registry import services as registry
from shequ.testing import PASSWORD, add_resident, ensure_reference_data, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: Any) -> None:
    ensure_reference_data()
    cache.clear()


def test_a_resident_on_a_phone_sees_their_household(browser: Any, live_server: Any, county: Any) -> None:
    head = county.residents["a11"]
    wife = add_resident(
        head.dwelling, "赵敏", household=head.household, phone="13912345678", relation_to_head="10"
    )
    login = make_user(Role.RESIDENT, county.community_a1, username="zhaomin")
    registry.link_login(wife, user=login, by=System("test"))

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        log_in(page, "zhaomin", PASSWORD)
        assert "/portal/" in page.url  # a resident lands on the portal
        panel = page.locator("#my-household")
        panel.wait_for()
        text = panel.inner_text()
        assert "我的家庭" in text and "张伟" in text and "赵敏" in text and "Ha11" in text
        assert "溪南小区1幢" in text and county.community_a1.name in text
        body = page.locator("body").inner_text()
        assert "13912345678" not in body and "13800000001" not in body and "独居老人" not in body
        # Readable on a phone: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        panel.scroll_into_view_if_needed()
        screenshot(page, "portal-home-household")
    finally:
        context.close()
