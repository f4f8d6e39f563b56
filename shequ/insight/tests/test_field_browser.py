"""Every role at home, in Chromium: the grid worker's day on a 390 × 844 phone (home, to-do, a case,
a resident, a household), the resident's landing page, and each role's home at 1440 × 900.
Screenshots go to test-artifacts/screenshots/ (field-*.png, home-*.png)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from shequ.accounts.roles import Role
from shequ.accounts.tests.test_landing import LANDING, demo_user
from shequ.cases.models import Case, CaseStatus
from shequ.cases.testing import CaseWorld, advance, build_case_world, report
from shequ.conftest import log_in, screenshot
from shequ.testing import PASSWORD, County, ensure_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


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


def set_light(case: Case, light: str) -> None:
    now = timezone.now()
    if light == "red":
        warn, due = now - dt.timedelta(hours=30), now - dt.timedelta(hours=5)
    else:
        warn, due = now - dt.timedelta(hours=1), now + dt.timedelta(hours=3)
    Case.objects.filter(pk=case.pk).update(warn_at=warn, due_at=due)


def waiting_on_the_grid_worker(world: CaseWorld) -> tuple[Case, Case]:
    """Two replied cases in the grid worker's grid wait on their check on site: one overdue."""
    overdue = advance(
        world, report(world, description="楼道里堆满杂物，影响消防通道通行"), CaseStatus.REPLIED
    )
    soon = advance(
        world, report(world, description="绿化带垃圾无人清理", urgency="urgent"), CaseStatus.REPLIED
    )
    set_light(overdue, "red")
    set_light(soon, "yellow")
    report(world, description="楼下路灯不亮已经三天")  # one more in the list
    return overdue, soon


def assert_no_sideways_scroll(page: Any) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " document.body.scrollWidth]"
    )
    assert widths[0] <= widths[1] and widths[2] <= widths[1], (page.url, widths)


def assert_in_view(page: Any, selector: str) -> None:
    """Visible and inside the screen's width: seen without scrolling sideways."""
    element = page.locator(selector).first
    expect(element).to_be_visible()
    box = element.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box)


def test_the_grid_workers_day_on_a_phone(phone: Any, world: CaseWorld) -> None:
    overdue, _soon = waiting_on_the_grid_worker(world)
    county = world.county
    # The strict policy allows no inline script or style: the bottom bar's menu button is Alpine's.
    problems: list[str] = []
    phone.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    phone.on("pageerror", lambda e: problems.append(str(e)))
    log_in(phone, world.grid_worker.username, PASSWORD)

    # Home: big buttons, the to-do with its overdue count, the bottom bar.
    assert phone.url.endswith("/insight/home/")
    for key in ("cases:new", "cases:todo", "my_grid"):
        assert_in_view(phone, f".field-button[data-key='{key}']")
    expect(phone.locator(".field-button[data-key='cases:todo'] .count-red")).to_have_text("1 项超时")
    assert_in_view(phone, ".field-pressing .light-red")
    expect(phone.locator(".bottom-nav")).to_be_visible()
    assert_no_sideways_scroll(phone)
    screenshot(phone, "field-home-phone")

    # The bar's 菜单 opens the full menu.
    phone.locator(".bottom-nav button").click()
    expect(phone.locator("aside.sidebar")).to_be_visible()
    phone.keyboard.press("Escape")
    expect(phone.locator("aside.sidebar")).to_be_hidden()

    # To-do: cards, the overdue light and the time left without scrolling sideways.
    phone.locator(".bottom-nav a", has_text="我的待办").click()
    phone.wait_for_url("**/cases/todo/")
    expect(phone.locator("#todo-table")).to_be_hidden()
    card = phone.locator(f".case-cards [data-case='{overdue.number}']")
    expect(card).to_be_visible()
    assert_in_view(phone, f".case-cards [data-case='{overdue.number}'] .light-red")
    expect(card.locator(".cc-overdue")).to_contain_text("超时")
    assert_no_sideways_scroll(phone)
    screenshot(phone, "field-todo-phone")

    # The case list as cards.
    phone.goto(phone.base_url + "/cases/")
    expect(phone.locator(".case-cards .case-card-item").first).to_be_visible()
    assert_no_sideways_scroll(phone)
    screenshot(phone, "field-cases-phone")

    # A case.
    card_link = phone.locator(f".case-cards [data-case='{overdue.number}'] a")
    card_link.click()
    phone.wait_for_load_state("networkidle")
    expect(phone.locator(".light-red").first).to_be_visible()
    assert_no_sideways_scroll(phone)
    screenshot(phone, "field-case-phone")

    # A resident, from the residents' cards, and their household.
    phone.goto(phone.base_url + "/registry/residents/")
    expect(phone.locator("#residents-table")).to_be_hidden()
    expect(phone.locator(".person-cards .pc-link").first).to_be_visible()
    assert_no_sideways_scroll(phone)
    screenshot(phone, "field-residents-phone")
    resident = county.resident_in(county.grid_a1_1)
    phone.goto(phone.base_url + f"/registry/residents/{resident.pk}/")
    expect(phone.locator("h1")).to_contain_text(resident.name)
    assert_no_sideways_scroll(phone)
    screenshot(phone, "field-resident-phone")
    phone.goto(phone.base_url + f"/registry/households/{resident.household_id}/")
    assert_no_sideways_scroll(phone)
    screenshot(phone, "field-household-phone")
    assert [p for p in problems if "Content Security Policy" in p or "Alpine" in p] == []


def test_a_resident_lands_on_the_portal_with_their_reports(phone: Any, world: CaseWorld) -> None:
    resident = demo_user(world.county, Role.RESIDENT)
    report(world, by=resident, description="小区门口井盖松动")
    log_in(phone, resident.username, PASSWORD)
    assert phone.url.endswith("/portal/")
    expect(phone.locator("#my-reports li")).to_have_count(1)
    expect(phone.locator("#go-report")).to_be_visible()
    assert_no_sideways_scroll(phone)
    screenshot(phone, "field-resident-landing-phone")


@pytest.mark.parametrize("role", list(LANDING))
def test_each_roles_home_on_a_desktop(page: Any, world: CaseWorld, role: str) -> None:
    waiting_on_the_grid_worker(world)
    user = demo_user(world.county, role)
    page.set_viewport_size(DESKTOP)
    log_in(page, user.username, PASSWORD)
    assert page.url.rstrip("/").endswith(reverse(LANDING[role]).rstrip("/"))
    expect(page.locator(".bottom-nav")).to_be_hidden()  # the phone bar stays off a desktop
    assert page.locator("text=403").count() == 0
    assert_no_sideways_scroll(page)
    screenshot(page, f"home-{role}-desktop")


@pytest.mark.parametrize("role", [Role.COMMUNITY_HEAD, Role.GRID_WORKER, Role.HANDLER])
def test_every_menu_page_fits_a_phone(phone: Any, world: CaseWorld, role: str) -> None:
    """Every staff page a role's menu opens stays inside 390px: tables scroll in their own box."""
    overdue, _soon = waiting_on_the_grid_worker(world)
    user = demo_user(world.county, role)
    log_in(phone, user.username, PASSWORD)
    county = world.county
    resident = county.resident_in(county.grid_a1_1)
    details = [reverse("cases:detail", args=[overdue.pk])]
    if role != Role.HANDLER:  # and the detail pages the lists lead to
        details += [
            reverse("registry:resident_detail", args=[resident.pk]),
            reverse("registry:household_detail", args=[resident.household_id]),
            reverse("registry:building_detail", args=[resident.dwelling.building_id]),
        ]
    hrefs = details + phone.eval_on_selector_all(
        "aside.sidebar .menu a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert hrefs
    too_wide = []
    for href in hrefs:
        phone.goto(phone.base_url + href)
        phone.wait_for_load_state("networkidle")
        widths = phone.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if widths[0] > widths[1]:
            too_wide.append((href, widths[0]))
            screenshot(phone, "too-wide" + href.replace("/", "-").rstrip("-"))
    assert too_wide == []
