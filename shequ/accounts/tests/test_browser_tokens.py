"""A user finds their API tokens from the top bar and revokes one; the key is never on the page."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from playwright.sync_api import expect

from shequ.accounts import services
from shequ.accounts.roles import Role
from shequ.conftest import log_in, screenshot
from shequ.testing import PASSWORD, build_county, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_revokes_a_token_from_the_tokens_page(page):
    county = build_county()
    user = make_user(Role.GRID_WORKER, county.grid_a1_1)
    kept, _kept = services.issue_api_token(user, by=user)
    gone, _gone = services.issue_api_token(user, by=user)
    log_in(page, user.username, PASSWORD)
    page.click("a[href='/accounts/tokens/']")
    page.wait_for_url("**/accounts/tokens/")
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(2)
    html = page.content()
    assert kept not in html and gone not in html
    screenshot(page, "api-tokens")
    page.locator(f"tr:has-text('{gone[:8]}') button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(rows).to_have_count(1)
    assert list(AuthToken.objects.filter(user=user).values_list("token_key", flat=True)) == [kept[:15]]
