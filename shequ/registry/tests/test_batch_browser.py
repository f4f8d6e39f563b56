"""Batch tagging in Chromium at 1440 × 900, by keyboard only: Tab to each row's checkbox, Space to
tick it, the count follows, the focus ring shows, and the batch bar's button tags the three.
Screenshot: test-artifacts/screenshots/batch-residents-tagged.png."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.conftest import log_in, screenshot
from shequ.registry.models import ResidentTag
from shequ.testing import PASSWORD, County, ensure_reference_data, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: Any) -> None:
    ensure_reference_data()


def tab_until(page: Any, test: str, *, back: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until the focused element passes the JS predicate `test`."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!el && ({test}); }}"):
            return
    raise AssertionError(f"Tab never reached {test}")


def test_tag_three_residents_by_keyboard(page: Any, county: County) -> None:
    make_user(Role.STREET_ADMIN, county.street_a, username="street_a")  # sees a11, a12 and a21
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if "Alpine" in m.text or "Refused" in m.text else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, "street_a", PASSWORD)
    page.goto(page.base_url + "/registry/residents/")
    page.wait_for_selector("#residents-table")
    assert page.locator("input[data-batch-row]").count() == 3
    assert page.locator("#batch-tag-button").is_disabled()  # nothing selected yet

    page.focus("#resident-q")
    for _ in range(3):
        tab_until(page, "el.hasAttribute('data-batch-row') && !el.checked")
        ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert ring == "solid"  # the keyboard focus ring is visible
        page.keyboard.press("Space")
    assert page.locator("input[data-batch-row]:checked").count() == 3
    assert page.locator(".batch-count").inner_text().strip().endswith("3")
    assert page.locator("input[data-batch-all]").is_checked()  # all on this page are ticked

    tab_until(page, "el.id === 'batch-tag'", back=True)
    page.locator("#batch-tag").select_option("veteran")
    page.keyboard.press("Tab")  # the note
    page.keyboard.type("批量标注")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "batch-tag-button"
    page.keyboard.press("Enter")
    page.wait_for_selector("#batch-report [data-outcome='done']")
    assert page.locator("#batch-report [data-outcome='done']").count() == 3
    # The list reloads (HTMX, on the report's event): every row now shows the new tag, none ticked.
    page.wait_for_function(
        "() => [...document.querySelectorAll('#residents-table tbody tr')]"
        ".every(tr => tr.innerText.includes('退役军人'))"
    )
    assert page.locator("input[data-batch-row]:checked").count() == 0
    screenshot(page, "batch-residents-tagged")
    names = set(ResidentTag.objects.filter(tag__code="veteran").values_list("resident__name", flat=True))
    assert names == {"张伟", "李娜", "王芳"}
    assert AuditEvent.objects.filter(action="resident:add_tag", extra__tag="veteran").count() == 3
    assert not problems, problems
