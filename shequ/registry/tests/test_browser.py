"""The pages in a real browser (Debian's Chromium through Playwright): HTMX search, tabs, the
楼盘表, the map and the reveal countdown. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.conftest import log_in, screenshot
from shequ.registry import pii, services
from shequ.testing import PASSWORD, County, ensure_reference_data, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: Any) -> None:
    ensure_reference_data()


@pytest.fixture
def worker(county: County) -> Any:
    return make_user(Role.COMMUNITY_HEAD, county.community_a1, username="worker_a1")


def test_log_in_and_search_residents_by_initials(page: Any, county: County, worker: Any) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", "worker_a1")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    page.wait_for_selector(".errorlist.nonfield")
    screenshot(page, "login_error")
    log_in(page, "worker_a1", PASSWORD)
    assert page.url.rstrip("/").endswith("/registry")
    page.wait_for_selector(".stats .stat")
    page.wait_for_selector("[data-chart] svg")  # ECharts drew the charts
    screenshot(page, "dashboard")

    page.click(".menu a[href='/registry/residents/']")
    page.wait_for_selector("#residents-table")
    assert page.locator("#residents-table tbody tr").count() == 2
    page.fill("#resident-q", "zw")
    page.keyboard.press("End")  # keyup → HTMX request after the delay
    page.wait_for_function("() => document.querySelectorAll('#residents-table tbody tr').length === 1")
    rows = page.locator("#residents-table tbody tr")
    assert "张伟" in rows.first.inner_text()
    assert "q=zw" in page.url  # hx-push-url keeps the search in the address bar
    plain = pii.plaintext_id_number(county.residents["a11"])
    assert plain not in page.content()
    screenshot(page, "residents_search")


def test_household_page_and_building_chart(page: Any, county: County, worker: Any) -> None:
    resident = county.residents["a11"]
    log_in(page, "worker_a1", PASSWORD)
    page.goto(f"{page.base_url}/registry/residents/{resident.pk}/")
    page.click("nav.tabs button:nth-child(2)")  # 家庭成员
    page.wait_for_selector("#tab-family table", state="visible")
    page.click(f"#tab-family a[href='/registry/households/{resident.household_id}/']")
    page.wait_for_selector("#members")
    assert "张伟" in page.locator("#members").inner_text()
    assert page.locator("#members .badge-red").count() == 1  # the head is marked
    screenshot(page, "household")

    building = county.buildings["a11"]
    for floor in range(1, 7):
        for unit in ("1", "2"):
            for n, use in (
                (1, "owner"),
                (2, "rented" if floor % 3 == 0 else "vacant" if floor == 5 else "owner"),
            ):
                services.get_or_create_dwelling(building=building, unit=unit, room=f"{floor}0{n}", use=use)
    page.goto(f"{page.base_url}/registry/buildings/{building.pk}/")
    page.wait_for_selector("#floor-chart")
    page.click(f"#floor-chart button[data-dwelling='{resident.dwelling_id}']")
    page.wait_for_selector("#dwelling-residents")
    assert "张伟" in page.locator("#dwelling-panel").inner_text()
    screenshot(page, "building_chart")


def test_map_draws_the_scope_as_layers(page: Any, county: County, worker: Any) -> None:
    log_in(page, "worker_a1", PASSWORD)
    page.goto(f"{page.base_url}/registry/map/")
    page.wait_for_selector("#map[data-loaded='1']")
    # One community, two grids and one micro-grid in the worker's scope.
    assert page.locator("#map path.leaflet-interactive").count() == 4
    assert page.locator(".leaflet-control-layers-overlays input").count() == 3
    assert page.locator(".leaflet-tile").count() == 0  # no tile server by default
    screenshot(page, "map")
    page.locator(".leaflet-control-layers-overlays input").nth(2).uncheck()  # micro-grids off
    assert page.locator("#map path.leaflet-interactive").count() == 3


def test_reveal_asks_for_a_purpose_and_note_and_masks_again(
    page: Any, county: County, worker: Any, settings: Any
) -> None:
    settings.SHEQU_REVEAL_SECONDS = 3
    resident = county.residents["a11"]
    plain = pii.plaintext_id_number(resident)
    services.update_resident(
        resident, by=worker, fields={"workplace": "武义县人民医院"}, reason="入户走访核实"
    )
    log_in(page, "worker_a1", PASSWORD)
    page.goto(f"{page.base_url}/registry/residents/{resident.pk}/")
    box = page.locator("#pii-box")
    assert resident.id_number_masked in box.inner_text()
    box.locator("button").first.click()
    page.select_option("#pii-box select[name=purpose]", "verify_identity")
    page.fill("#pii-box input[name=note]", "核对高龄补贴申请人身份")
    box.locator("button[type=submit]").click()
    page.wait_for_selector("#pii-box .revealed")
    assert plain in page.locator("#pii-box [data-field=id]").inner_text()
    assert "13800000001" in page.locator("#pii-box [data-field=phone]").inner_text()
    screenshot(page, "reveal")
    page.click("nav.tabs button:nth-child(5)")  # 变更历史
    page.wait_for_selector("#tab-history .timeline", state="visible")
    assert "入户走访核实" in page.locator("#tab-history").inner_text()
    screenshot(page, "resident_history")
    assert AuditEvent.objects.filter(
        action="resident:reveal", reason="核实身份：核对高龄补贴申请人身份"
    ).exists()
    page.wait_for_function("() => !document.querySelector('#pii-box .revealed')", timeout=8000)
    assert plain not in page.locator("#pii-box").inner_text()
    assert resident.id_number_masked in page.locator("#pii-box [data-field=id]").inner_text()


def test_user_management_and_audit_pages_render(page: Any, county: County, worker: Any) -> None:
    make_user(Role.GRID_WORKER, county.grid_a1_1, username="grid_worker_1")
    log_in(page, "worker_a1", PASSWORD)
    page.goto(f"{page.base_url}/accounts/users/")
    assert "grid_worker_1" in page.content()
    page.click(".page-head .btn-primary")
    page.wait_for_selector("form.form input[name=username]", state="visible")
    screenshot(page, "users")
    page.goto(f"{page.base_url}/audit/")
    page.wait_for_selector("table.table")
    screenshot(page, "audit")
