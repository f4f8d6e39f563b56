"""The 新增 forms and the grid page in Chromium at 1440 × 900: a place picked by typing stays in
the form (no early submit), a bad ID number comes back in Chinese with the rest kept, and each
record lands on its new page. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shequ.accounts.roles import Role
from shequ.conftest import log_in, screenshot
from shequ.core.idnumber import make as make_id
from shequ.registry.models import Building, Household, Organization, Resident
from shequ.testing import PASSWORD, County, ensure_reference_data, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: Any) -> None:
    ensure_reference_data()


def pick(page: Any, field: str, typed: str, label: str) -> None:
    """Type into a place picker and choose the answer; the form must stay open."""
    box = page.locator(f".form-row:has(input[name={field}]) input[type=search]")
    box.fill(typed)
    page.locator(f".form-row:has(input[name={field}]) .place-picks button[data-label='{label}']").click()
    assert page.locator(f"input[name={field}]").input_value() != ""


def test_create_forms_and_the_grid_page(page: Any, county: County) -> None:
    make_user(Role.COMMUNITY_WORKER, county.community_a1, username="worker_a1")
    make_user(Role.GRID_WORKER, county.grid_a1_1, username="gridworker_a11")
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, "worker_a1", PASSWORD)

    # A resident: from the list's 新增 button; the ID number typed wrong first.
    page.goto(page.base_url + "/registry/residents/")
    page.click("a[href='/registry/residents/new/']")
    page.wait_for_selector("form.entry-form")
    page.fill("input[name=name]", "赵敏")
    pick(page, "grid", "第一", county.grid_a1_1.name)
    assert page.url.endswith("/registry/residents/new/")  # picking did not send the form
    page.fill("input[name=id_number]", "330723199005060000")
    page.fill("input[name=phone]", "13900001234")
    page.fill("input[name=workplace]", "武义县人民医院")
    screenshot(page, "create_resident_form")
    page.click("form.entry-form button[type=submit]")
    page.wait_for_selector(".form-row.has-error")
    assert "身份证号码校验位错误" in page.locator(".form-row.has-error").inner_text()
    assert page.locator("input[name=workplace]").input_value() == "武义县人民医院"
    assert (
        page.locator(".form-row:has(input[name=grid]) input[type=search]").input_value()
        == county.grid_a1_1.name
    )
    screenshot(page, "create_resident_error")
    page.fill("input[name=id_number]", make_id("330723", dt.date(1990, 5, 6), 17))
    page.click("form.entry-form button[type=submit]")
    page.wait_for_selector("nav.tabs")
    resident = Resident.objects.get(name="赵敏")
    assert page.url.endswith(f"/registry/residents/{resident.pk}/")
    assert "赵敏" in page.locator("#messages").inner_text()

    # A household in a building's room.
    page.goto(page.base_url + "/registry/households/new/")
    pick(page, "community", "熟溪", county.community_a1.name)
    page.fill("input[name=number]", "H-2026-001")
    page.fill("input[name=building_code]", county.buildings["a11"].code)
    page.fill("input[name=unit]", "2")
    page.fill("input[name=room]", "502")
    screenshot(page, "create_household_form")
    page.click("form.entry-form button[type=submit]")
    page.wait_for_selector("#members")
    assert Household.objects.get(number="H-2026-001").dwelling is not None

    # A building in a micro-grid.
    page.goto(page.base_url + "/registry/buildings/new/")
    page.fill("input[name=name]", "溪南小区9幢")
    page.fill("input[name=estate]", "溪南小区")
    page.fill("input[name=address]", "武义县溪南小区9幢")
    pick(page, "micro_grid", "微网格", county.micro_a1_1_1.name)
    page.fill("input[name=floors]", "11")
    page.fill("input[name=units]", "2")
    screenshot(page, "create_building_form")
    page.click("form.entry-form button[type=submit]")
    page.wait_for_selector("#floor-chart")
    assert Building.objects.get(name="溪南小区9幢").micro_grid == county.micro_a1_1_1

    # An organisation in a building.
    page.goto(page.base_url + "/registry/organizations/new/")
    page.fill("input[name=name]", "溪北便民超市")
    page.select_option("select[name=kind]", "shop")
    page.fill("input[name=building_code]", county.buildings["a12"].code)
    page.fill("input[name=contact_name]", "孙立")
    page.fill("input[name=contact_phone]", "13700001111")
    screenshot(page, "create_organization_form")
    page.click("form.entry-form button[type=submit]")
    page.wait_for_selector("#pii-box")
    org = Organization.objects.get(name="溪北便民超市")
    assert page.url.endswith(f"/registry/organizations/{org.pk}/")
    assert "137****1111" in page.locator("#pii-box").inner_text()
    page.click("#pii-box button[x-show=idle]")
    page.select_option("#pii-box select[name=purpose]", "verify_identity")
    page.fill("#pii-box input[name=note]", "核实经营情况")
    page.click("#pii-box button[type=submit]")
    page.wait_for_selector("#pii-box .revealed")
    assert "13700001111" in page.locator("#pii-box").inner_text()
    screenshot(page, "organization_page")

    # The grid list's search, then the grid page with its boundary drawn.
    page.goto(page.base_url + "/registry/grids/")
    page.fill("#grid-q", "第二")
    page.keyboard.press("End")
    page.wait_for_function("() => !document.querySelector('#results').innerText.includes('第一网格')")
    screenshot(page, "grid_list_search")
    page.goto(f"{page.base_url}/registry/grids/{county.grid_a1_1.pk}/")
    page.wait_for_selector("#grid-map[data-loaded]")
    page.wait_for_selector("#grid-map path.leaflet-interactive")
    team = page.locator("#team").inner_text()
    assert "gridworker_a11" in team
    assert "独居老人" in page.locator("#key-populations").inner_text()
    screenshot(page, "grid_page")
