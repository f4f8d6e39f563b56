"""Batch dispatch on the case list in Chromium at 1440 × 900: tick cases, pick a unit, dispatch;
the report names the refused case and why, in Chinese, and the list reloads.
Screenshot: test-artifacts/screenshots/batch-cases-dispatched.png."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.cases.models import Case, CaseStatus
from shequ.cases.testing import CaseWorld, advance, build_case_world, report
from shequ.conftest import log_in, screenshot
from shequ.testing import PASSWORD, County, ensure_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: Any) -> None:
    ensure_reference_data()


@pytest.fixture
def world(county: County) -> CaseWorld:
    return build_case_world(county)


def test_dispatch_two_cases_one_refused(page: Any, world: CaseWorld) -> None:
    ready = advance(world, report(world, description="垃圾堆放待清运"), CaseStatus.ACCEPTED)
    fresh = report(world, description="刚登记的案件")  # not accepted: cannot be dispatched yet
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, world.worker.username, PASSWORD)
    page.goto(f"{page.base_url}/cases/")
    page.wait_for_selector("#cases-table")
    page.check(f"tr[data-case='{ready.number}'] input[data-batch-row]")
    page.check(f"tr[data-case='{fresh.number}'] input[data-batch-row]")
    assert page.locator(".batch-count").inner_text().strip().endswith("2")
    page.select_option("#batch-unit", str(world.property_unit.pk))
    page.fill("#case-batch input[name=note]", "请今日清运")
    page.click("#batch-dispatch-button")
    page.wait_for_selector("#batch-report [data-outcome]")
    text = page.locator("#batch-report").inner_text()
    assert f"{ready.number} — 已完成" in text
    assert f"{fresh.number} — 未执行：该案件当前状态为“待立案”" in text
    page.wait_for_function("() => document.querySelectorAll('input[data-batch-row]:checked').length === 0")
    screenshot(page, "batch-cases-dispatched")
    statuses = dict(Case.objects.values_list("pk", "status"))
    assert statuses[ready.pk] == CaseStatus.DISPATCHED and statuses[fresh.pk] == CaseStatus.REPORTED
