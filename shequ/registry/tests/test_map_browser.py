"""The maps in Chromium with no tile service and no network, as in the demo: the grid map page, a
case's map and the portal's picker draw shequ's own buildings, estates and area names, under the
strict Content-Security-Policy. A GCJ-02 preset whose tiles cannot load falls back to the same
layer, and a point picked on it is stored as WGS 84. Screenshots: test-artifacts/screenshots/map-*.png."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from shequ.accounts.roles import Role
from shequ.cases.testing import CaseWorld, build_case_world, report
from shequ.conftest import log_in, screenshot
from shequ.core import basemap
from shequ.core.actors import System
from shequ.core.tests.test_basemap import REFERENCE
from shequ.core.tests.test_csp_browser import Problems
from shequ.places.models import Road
from shequ.registry import services as registry
from shequ.registry.models import Building
from shequ.testing import PASSWORD, County, ensure_reference_data, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
ESTATES = ("溪南小区", "溪北小区")


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: Any) -> None:
    ensure_reference_data()


@pytest.fixture
def world(county: County) -> CaseWorld:
    """Two estates of eight buildings in rows, inside 熟溪第一网格 and 熟溪第二网格."""
    w = build_case_world(county)
    Building.objects.filter(pk=county.buildings["a11"].pk).update(latitude=28.9018, longitude=119.8012)
    Building.objects.filter(pk=county.buildings["a12"].pk).update(latitude=28.9018, longitude=119.8112)
    for estate, grid, west in [
        (ESTATES[0], county.grid_a1_1, Decimal("119.8012")),
        (ESTATES[1], county.grid_a1_2, Decimal("119.8112")),
    ]:
        for n in range(2, 9):
            row, col = divmod(n - 1, 3)
            registry.create_building(
                community=county.community_a1,
                grid=grid,
                name=f"{n}幢",
                estate=estate,
                address=f"武义县{estate}{n}幢",
                floors=6,
                units=2,
                latitude=Decimal("28.9018") + row * Decimal("0.0022"),
                longitude=west + col * Decimal("0.0026"),
                by=System("test"),
            )
    # Two streets: one between the estates, one along their south side.
    for name, coords in [("熟溪路", [[119.8090, 28.9000], [119.8090, 28.9100]]),
                         ("壶山路", [[119.8000, 28.9005], [119.8200, 28.9005]])]:  # fmt: skip
        line = {"type": "LineString", "coordinates": coords}
        Road.objects.create(
            community=county.community_a1, area_path=county.community_a1.path, name=name, line=line
        )
    return w


@pytest.fixture
def problems() -> Any:
    found = Problems()
    yield found
    assert not found, "\n".join(found)


def wait_for_base(page: Any, selector: str) -> Any:
    page.wait_for_selector(f"{selector}[data-base-loaded='1']")
    page.wait_for_load_state("networkidle")
    return page.locator(selector)


def overlapping(page: Any, selector: str) -> list[list[str]]:
    """Pairs of labels drawn over each other."""
    return page.evaluate(
        """(selector) => {
          const boxes = [...document.querySelectorAll(selector)].map((e) => [e.textContent, e.getBoundingClientRect()]);
          const out = [];
          boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
            if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) { out.push([a, b]); }
          }));
          return out;
        }""",
        selector,
    )


def test_the_map_page_draws_buildings_and_names_without_tiles(
    page: Any, world: CaseWorld, problems: Problems
) -> None:
    problems.watch(page)
    page.set_viewport_size(DESKTOP)
    worker = make_user(Role.COMMUNITY_WORKER, world.county.community_a1, username="map_worker")
    log_in(page, worker.username, PASSWORD)
    page.goto(page.base_url + "/registry/map/")
    el = wait_for_base(page, "#map")
    assert el.get_attribute("data-base-preset") == "none"
    assert el.get_attribute("data-base-features") == "16"  # the community's buildings, not 解放's or 白洋's
    labels = page.locator("#map .base-building")
    assert labels.count() >= 12  # most buildings are named at once, none over another name
    assert labels.count() == int(el.get_attribute("data-base-labels"))
    # Zoomed in on the two estates, every building has its name.
    page.evaluate(
        "() => { const m = document.getElementById('map').shequBase.map; m.setView([28.904, 119.809], m.getZoom() + 1); }"
    )
    page.wait_for_function("() => document.querySelectorAll('#map .base-building').length === 16")
    assert labels.filter(has_text="5幢").count() == 2
    assert page.locator("#map .base-estate").all_inner_texts() == list(ESTATES)
    assert el.get_attribute("data-base-roads") == "2"
    assert page.locator("#map .base-road", has_text="熟溪路").count() >= 1
    assert page.locator("#map .base-building").first.is_visible()
    assert page.locator("#map .leaflet-tile").count() == 0  # nothing fetched from a tile server
    screenshot(page, "map-page-own-base")
    assert not overlapping(page, "#map .base-building span, #map .base-estate span")

    # The conversion the GCJ-02 presets use, as the browser runs it.
    for wgs, gcj in REFERENCE:
        shifted = page.evaluate(f"window.shequBaseMap.wgs84ToGcj02({wgs[0]}, {wgs[1]})")
        back = page.evaluate(f"window.shequBaseMap.gcj02ToWgs84({gcj[0]}, {gcj[1]})")
        assert shifted == pytest.approx(gcj, abs=1e-9)
        assert back == pytest.approx(wgs, abs=1e-8)


def test_a_case_map_shows_the_buildings_around_the_point(
    page: Any, world: CaseWorld, problems: Problems
) -> None:
    problems.watch(page)
    page.set_viewport_size(DESKTOP)
    case = report(world, latitude=28.9035, longitude=119.8040, building=None, grid=world.county.grid_a1_1)
    head = make_user(Role.COMMUNITY_HEAD, world.county.community_a1, username="map_head")
    log_in(page, head.username, PASSWORD)
    page.goto(page.base_url + f"/cases/{case.pk}/")
    wait_for_base(page, "#case-map")
    assert page.locator("#case-map .base-building").count() > 0
    assert page.locator("#case-map .base-grid", has_text="熟溪第一网格").count() == 1
    screenshot(page, "map-case-own-base")


def test_the_portal_picker_on_a_phone(page: Any, world: CaseWorld, problems: Problems) -> None:
    problems.watch(page)
    page.set_viewport_size(PHONE)
    page.goto(page.base_url + "/portal/report/")
    page.click("#tab-map")
    el = wait_for_base(page, "#portal-map")
    assert el.get_attribute("data-base-features") == "16"
    assert page.locator("#portal-map .base-estate").count() == 2
    screenshot(page, "map-portal-picker-overview")
    # The whole county is in view at first; a resident zooms in on their estate and finds the building.
    page.evaluate(
        "() => { const m = document.getElementById('portal-map').shequBase.map; m.setView([28.904, 119.809], 16); }"
    )
    page.wait_for_function("() => document.querySelectorAll('#portal-map .base-building').length >= 4")
    assert not overlapping(page, "#portal-map .base-building span, #portal-map .base-estate span")
    assert (
        page.locator("#portal-map .base-label a, #portal-map .leaflet-popup").count() == 0
    )  # no staff links
    box = el.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#chosen-point", state="visible")
    screenshot(page, "map-portal-picker-own-base")


def test_a_gcj02_base_map_without_network_falls_back_and_stores_wgs84(
    page: Any, world: CaseWorld, settings: Any
) -> None:
    settings.SHEQU_BASE_MAP = basemap.resolve("gaode")
    page.route("**/*autonavi.com/**", lambda route: route.abort())  # no network to the tile service
    page.set_viewport_size(PHONE)
    page.goto(page.base_url + "/portal/report/")
    page.click("#tab-map")
    el = wait_for_base(page, "#portal-map")
    assert el.get_attribute("data-base-preset") == "gaode"
    # Where the finger lands on the drawing (GCJ-02, as the tiles would be).
    page.evaluate("""() => document.getElementById("portal-map").shequBase.map.on("click", (e) => {
      window.tapped = [e.latlng.lat, e.latlng.lng]; })""")
    box = el.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#chosen-point", state="visible")
    # What the form sends is WGS 84: the point under the finger, on the GCJ-02 drawing, shifted back.
    found = page.evaluate(
        """() => {
          const form = document.getElementById("portal-map").closest("form");
          const lat = +form.querySelector("[name=latitude]").value, lng = +form.querySelector("[name=longitude]").value;
          return { tapped: window.tapped, stored: [lat, lng],
                   storedShown: window.shequBaseMap.wgs84ToGcj02(lat, lng) };
        }"""
    )
    assert found["storedShown"] == pytest.approx(found["tapped"], abs=2e-6)  # toFixed(6) rounding
    assert abs(found["stored"][1] - found["tapped"][1]) > 0.003  # the shift, about 500 m here, was taken off
    assert el.get_attribute("data-base-features") == "16"
    assert page.locator("#portal-map .base-estate").count() == 2
    screenshot(page, "map-portal-picker-gcj02-fallback")
