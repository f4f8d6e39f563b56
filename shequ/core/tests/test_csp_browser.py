"""The main pages in Chromium under the strict Content-Security-Policy (`script-src 'self'`):
Chromium reports every script, style, image or request the policy blocks on the console, Alpine's
CSP build reports an expression it cannot run there too, and a script error is a page error. Each
page must report none, and its interactive parts must still work. Screenshots go to
test-artifacts/screenshots/csp-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from shequ.accounts.roles import Role
from shequ.cases.models import Case, CaseStatus
from shequ.cases.testing import CaseWorld, advance, build_case_world, report
from shequ.conftest import log_in, screenshot
from shequ.registry import services as registry
from shequ.testing import PASSWORD, County, ensure_reference_data, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
# What Chromium says when the policy blocks something, and what Alpine says when an expression
# cannot be evaluated (the CSP build logs these instead of throwing).
BLOCKED = ("Content Security Policy", "Refused to", "Alpine Expression Error", "Alpine Error")


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: Any) -> None:
    ensure_reference_data()


@pytest.fixture
def world(county: County) -> CaseWorld:
    return build_case_world(county)


class Problems(list[str]):
    """Console messages about the policy or Alpine, and uncaught script errors, of one page."""

    def watch(self, page: Any) -> Any:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.append(f"page error on {page.url}: {error}"))
        return page

    def _console(self, message: Any) -> None:
        if any(word in message.text for word in BLOCKED):
            self.append(f"{message.type}: {message.text}")


@pytest.fixture
def problems() -> Iterator[Problems]:
    found = Problems()
    yield found
    assert not found, "\n".join(found)


def visit(page: Any, path: str, shot: str | None = None) -> None:
    page.goto(page.base_url + path)
    page.wait_for_load_state("networkidle")
    if shot:
        screenshot(page, f"csp-{shot}")


def test_staff_pages_work_under_the_policy(page: Any, world: CaseWorld, problems: Problems) -> None:
    county = world.county
    problems.watch(page)
    worker = make_user(Role.COMMUNITY_HEAD, county.community_a1, username="csp_worker")
    admin = make_user(Role.ADMIN, username="csp_admin")
    resident = county.residents["a11"]
    building = county.buildings["a11"]
    registry.get_or_create_dwelling(building=building, unit="2", room="502")
    on_map = report(world, latitude=28.905, longitude=119.805, building=None, grid=county.grid_a1_1)
    report(world, description="绿化带垃圾无人清理", urgency="urgent")

    log_in(page, worker.username, PASSWORD)
    visit(page, "/registry/", "dashboard")
    page.wait_for_selector(".chart svg")  # the charts drew (ECharts, started by shequ.js)
    visit(page, "/registry/residents/", "residents")
    page.fill("#resident-q", "zw")  # HTMX search as you type
    page.wait_for_selector("#results tbody tr:has-text('张伟')")

    # The resident page: tabs, and the reveal box (ask for a purpose and a note, reveal, hide again).
    visit(page, f"/registry/residents/{resident.pk}/")
    page.click("nav.tabs button:nth-child(2)")
    page.wait_for_selector("#tab-family", state="visible")
    expect(page.locator("#tab-info")).to_be_hidden()
    assert "tab=family" in page.url
    page.click("nav.tabs button:nth-child(1)")
    page.wait_for_selector("#tab-info", state="visible")
    box = page.locator("#pii-box")
    box.locator("button").first.click()
    page.wait_for_selector("#pii-box select[name=purpose]", state="visible")
    assert page.evaluate("document.activeElement.name") == "purpose"
    page.click("#pii-box button[data-cancel]")
    page.wait_for_selector("#pii-box select[name=purpose]", state="hidden")
    box.locator("button").first.click()
    page.select_option("#pii-box select[name=purpose]", "verify_identity")
    page.fill("#pii-box input[name=note]", "核对高龄补贴申请人身份")
    box.locator("button[type=submit]").click()
    page.wait_for_selector("#pii-box .revealed")
    page.wait_for_selector("#pii-box .countdown b:not(:text('0'))")
    screenshot(page, "csp-resident")
    page.click("#pii-box button:visible")  # hide now
    page.wait_for_function("() => !document.querySelector('#pii-box .revealed')")

    # The floor chart: a room is marked as chosen and its residents load beside the chart.
    visit(page, f"/registry/buildings/{building.pk}/")
    page.click(f"#floor-chart button[data-dwelling='{resident.dwelling_id}']")
    page.wait_for_selector("#dwelling-residents")
    assert "selected" in (
        page.get_attribute(f"button[data-dwelling='{resident.dwelling_id}']", "class") or ""
    )
    screenshot(page, "csp-building")

    visit(page, "/registry/map/")
    page.wait_for_selector("#map[data-loaded='1']")

    # Cases: the list, a case with a point on the map, the report form and its place modes.
    visit(page, "/cases/", "cases")
    visit(page, f"/cases/{on_map.pk}/", "case-detail")
    page.wait_for_selector("#case-map[data-loaded='1']")
    visit(page, "/cases/new/")
    page.click("button[data-mode=map]")
    page.wait_for_selector("#report-map[data-loaded='1']")
    box_ = page.locator("#report-map").bounding_box()
    assert box_ is not None
    page.mouse.click(box_["x"] + box_["width"] / 2, box_["y"] + box_["height"] / 2)
    page.wait_for_function("() => document.querySelector('#report-form input[name=latitude]').value !== ''")
    page.click("button[data-mode=area]")
    page.wait_for_selector(".place-picker[data-kind=case_place] input[type=search]", state="visible")
    page.click("button[data-mode=building]")
    page.fill("#building-q", "溪南")
    page.click("#building-picks button.pick >> nth=0")
    page.wait_for_selector(".picked", state="visible")
    assert page.input_value("#report-form input[name=building]") == str(building.pk)
    assert page.input_value("#report-form input[name=place_mode]") == "building"
    screenshot(page, "csp-case-new")

    # Figures: charts, and the custom period shows its dates.
    visit(page, "/cases/figures/")
    page.wait_for_selector(".chart svg")
    page.select_option("select[name=period]", "custom")
    page.wait_for_selector("input[name=date_from]", state="visible")
    screenshot(page, "csp-figures")

    # The phone menu.
    page.set_viewport_size(PHONE)
    visit(page, "/registry/")
    sidebar = page.locator("aside.sidebar")
    expect(sidebar).to_be_hidden()
    page.click("button.menu-toggle")
    expect(sidebar).to_be_visible()
    page.keyboard.press("Escape")
    expect(sidebar).to_be_hidden()
    page.set_viewport_size({"width": 1366, "height": 900})

    # The admin's pages: users, the calendar (a day click fills the form), Swagger UI.
    page.context.clear_cookies()  # signed out
    log_in(page, admin.username, PASSWORD)
    visit(page, "/accounts/users/")
    page.click(".page-head .btn-primary")
    page.wait_for_selector("form.form input[name=username]", state="visible")
    page.click("form.form button[data-cancel]")
    page.wait_for_selector("form.form input[name=username]", state="hidden")
    visit(page, "/calendar/", "calendar")
    page.click("#calendar-year td.cal-day[data-date$='-03-04'] >> nth=0")
    assert page.input_value("#id_date").endswith("-03-04")
    page.select_option("select[name=year]", index=1)  # HTMX swaps the year; clicks still work
    page.wait_for_load_state("networkidle")
    page.click("#calendar-year td.cal-day[data-date$='-05-06'] >> nth=0")
    assert page.input_value("#id_date").endswith("-05-06")
    visit(page, "/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30000)
    screenshot(page, "csp-api-docs")


def test_portal_pages_work_under_the_policy(page: Any, world: CaseWorld, problems: Problems) -> None:
    problems.watch(page)
    page.set_viewport_size(PHONE)
    visit(page, "/portal/")
    visit(page, "/portal/report/", "portal-report")
    # The place mode switch: the map draws and a tap chooses a point; back to the address search.
    page.click("#tab-map")
    page.wait_for_selector("#portal-map[data-loaded='1']")
    box = page.locator("#portal-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#chosen-point", state="visible")
    assert page.input_value("input[name=latitude]") != ""
    page.click("#tab-search")
    page.wait_for_selector("#id_building_query", state="visible")
    page.fill("#id_building_query", "溪南小区")
    page.click(".p-result >> nth=0")
    page.wait_for_selector("#chosen-building", state="visible")
    assert page.input_value("input[name=latitude]") == ""
    assert page.input_value("input[name=building]") != ""
    # A form sent back with errors scrolls to the first one.
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#form-errors")
    screenshot(page, "csp-portal-errors")

    case = report(world, reporter_phone="13900001111")
    advance(world, case, CaseStatus.TO_EVALUATE)
    visit(page, "/portal/follow/")
    page.fill("#id_number", case.number)
    page.fill("#id_phone", "13900001111")
    page.click("#follow-form button[type=submit]")
    page.wait_for_selector("#evaluate-form")
    hint = page.locator("#evaluate-form .p-hint")
    expect(hint).to_be_hidden()
    page.click(".p-rate-unsatisfied")
    # Alpine shows it on its next tick, not within the click.
    page.wait_for_selector("#evaluate-form .p-hint", state="visible")
    assert "on" in (page.get_attribute(".p-rate-unsatisfied", "class") or "").split()
    screenshot(page, "csp-portal-case")
    assert Case.objects.filter(pk=case.pk).exists()
