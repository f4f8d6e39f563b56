"""The place picker in Chromium under the strict CSP: type part of a grid's name, pick it, and the
residents list filters to that grid (the same `grid` GET parameter as before)."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.accounts.roles import Role
from shequ.conftest import log_in, screenshot
from shequ.testing import PASSWORD, County, ensure_reference_data, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# What Chromium says when the policy blocks something and what Alpine's CSP build says when it
# cannot run an expression (as in core/tests/test_csp_browser.py).
BLOCKED = ("Content Security Policy", "Refused to", "Alpine Expression Error", "Alpine Error")


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: Any) -> None:
    ensure_reference_data()


def test_typing_into_the_grid_picker_filters_the_residents_list(page: Any, county: County) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if any(w in m.text for w in BLOCKED) else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    make_user(Role.STREET_ADMIN, county.street_a, username="street_a")
    log_in(page, "street_a", PASSWORD)
    page.goto(page.base_url + "/registry/residents/")
    page.wait_for_selector("#residents-table")
    assert page.locator("#residents-table tbody tr").count() == 3  # 张伟, 李娜, 王芳

    picker = page.locator(".place-picker[data-kind=grid]")
    picker.locator("input[type=search]").fill("第二")
    page.wait_for_function(
        "() => document.querySelectorAll('.place-picker[data-kind=grid] .pick-list .pick').length === 1"
    )
    assert picker.locator(".pick-list .pick").inner_text().startswith("熟溪第二网格")
    screenshot(page, "place_picker_results")

    picker.locator(".pick-list .pick").first.click()
    page.wait_for_function("() => document.querySelectorAll('#residents-table tbody tr').length === 1")
    assert "李娜" in page.locator("#residents-table tbody tr").first.inner_text()
    assert f"grid={county.grid_a1_2.pk}" in page.url  # hx-push-url: the filter is in the address
    assert picker.locator("input[type=search]").input_value() == "熟溪第二网格"
    screenshot(page, "place_picker_filtered")

    # Reloaded from the address, the picker shows the grid picked; clearing it lists everyone again.
    page.reload()
    assert page.locator(".place-picker[data-kind=grid] input[type=search]").input_value() == "熟溪第二网格"
    page.locator(".place-picker[data-kind=grid] .place-clear").click()
    page.wait_for_function("() => document.querySelectorAll('#residents-table tbody tr').length === 3")
    assert problems == []
