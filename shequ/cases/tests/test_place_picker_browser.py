"""The case report form's "grid or community" picker in Chromium: typing finds the grid, picking it
fills the field without sending the form, and the case is saved at that grid.
Screenshot: test-artifacts/screenshots/case-report-place-picker.png."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.cases.models import Case
from shequ.cases.testing import CaseWorld, build_case_world
from shequ.conftest import log_in, screenshot
from shequ.testing import PASSWORD, County, ensure_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: Any) -> None:
    ensure_reference_data()


@pytest.fixture
def world(county: County) -> CaseWorld:
    return build_case_world(county)


def test_type_into_the_report_forms_place_picker(page: Any, world: CaseWorld) -> None:
    grid = world.county.grid_a1_2
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, world.street_admin.username, PASSWORD)
    page.goto(f"{page.base_url}/cases/new/")
    page.select_option("select[name=category]", str(world.category.pk))
    page.fill("textarea[name=description]", "第二网格路灯不亮已三天")
    page.click("button[data-mode=area]")
    box = page.locator(".place-picker[data-kind=case_place] input[type=search]")
    box.click()
    box.type("第二", delay=50)
    # Focus lists the first places in scope; typing narrows them to what matches.
    page.wait_for_function("() => document.querySelectorAll('.place-picks button.pick').length === 1")
    option = page.locator(f".place-picks button.pick[data-id='grid:{grid.pk}']")
    assert option.count() == 1
    screenshot(page, "case-report-place-picker")
    option.click()
    assert page.url.endswith("/cases/new/")  # picking fills the field; it does not send the form
    assert page.locator("input[type=hidden][name=area]").input_value() == f"grid:{grid.pk}"
    assert box.input_value() == grid.name
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#case-file")
    case = Case.objects.get(description="第二网格路灯不亮已三天")
    assert case.grid == grid and case.building is None
    assert not errors, errors
