"""Every role lands on its own work, and every menu entry it is shown opens (DESIGN rule 9)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.accounts.roles import Role
from shequ.registry.demo.accounts import DEMO_ACCOUNTS
from shequ.testing import PASSWORD, County, make_user

pytestmark = pytest.mark.django_db

LANDING = {
    Role.ADMIN: "registry:dashboard",
    Role.DISTRICT_ADMIN: "registry:dashboard",
    Role.STREET_ADMIN: "registry:dashboard",
    Role.COMMUNITY_HEAD: "registry:dashboard",
    Role.COMMUNITY_WORKER: "registry:dashboard",
    Role.GRID_LEADER: "insight:field_home",
    Role.GRID_WORKER: "insight:field_home",
    Role.BUILDING_LEADER: "insight:field_home",
    Role.HANDLER: "cases:todo",
    Role.VOLUNTEER: "portal:home",
    Role.RESIDENT: "portal:home",
}


def node_for(county: County, node: str) -> Any:
    """The demo account's kind of node, in the test county."""
    return {
        "": None,
        "district": county.district,
        "street": county.street_a,
        "community": county.community_a1,
        "grid": county.grid_a1_1,
        "micro_grid": county.micro_a1_1_1,
    }[node]


def demo_user(county: County, role: str) -> Any:
    account = next(a for a in DEMO_ACCOUNTS if a.role == role)
    return make_user(account.role, node_for(county, account.node), username=account.username)


def log_in(client: Client, username: str) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})


def hrefs(page: str, css_class: str) -> list[str]:
    """The links inside the first element with `css_class` (the sidebar menu, the bottom bar)."""
    start = page.find(f'class="{css_class}')
    if start < 0:
        return []
    end = page.find("</nav>", start) if css_class == "bottom-nav" else page.find("</ul>", start)
    return re.findall(r'href="([^"#]+)"', page[start:end])


@pytest.mark.parametrize("role", list(LANDING))
def test_each_role_lands_on_its_own_work(client: Client, county: County, role: str) -> None:
    user = demo_user(county, role)
    response = log_in(client, user.username)
    assert response.status_code == 302
    assert response["Location"] == reverse(LANDING[role])
    assert client.get("/")["Location"] == reverse(LANDING[role])  # the site's root too
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("role", list(LANDING))
def test_every_menu_entry_a_role_is_shown_opens(client: Client, county: County, role: str) -> None:
    user = demo_user(county, role)
    client.force_login(user)
    seen: set[str] = set()
    for start in {reverse(LANDING[role]), reverse("cases:list")} if role != Role.RESIDENT else {"/"}:
        page = client.get(start, follow=True)
        assert page.status_code == 200, start
        text = page.content.decode()
        seen.update(hrefs(text, "menu") + hrefs(text, "bottom-nav"))
        seen.update(re.findall(r'class="field-button[^"]*" href="([^"]+)"', text))
    seen.discard("/")
    for url in sorted(seen):
        response = client.get(url, follow=True)
        assert response.status_code not in (403, 404, 500), (role, url, response.status_code)
        assert response.status_code == 200, (role, url, response.status_code)


def test_menus_show_only_what_the_role_may_use(client: Client, county: County) -> None:
    client.force_login(demo_user(county, Role.VOLUNTEER))
    page = client.get(reverse("cases:list")).content.decode()
    assert reverse("cases:todo") not in page  # neither in the menu nor as the list's button
    assert reverse("registry:organizations") not in page
    assert reverse("registry:dashboard") not in hrefs(page, "menu")  # counts that mean nothing to them
    assert client.get(reverse("registry:dashboard"))["Location"] == reverse("portal:home")
    client.force_login(demo_user(county, Role.HANDLER))
    page = client.get(reverse("cases:todo")).content.decode()
    assert reverse("registry:organizations") not in page
    assert reverse("registry:dashboard") not in hrefs(page, "menu")
    client.force_login(demo_user(county, Role.GRID_WORKER))
    page = client.get(reverse("insight:field_home")).content.decode()
    for name in ("cases:new", "cases:todo", "registry:residents"):
        assert f'href="{reverse(name)}"' in page
    assert 'class="bottom-nav"' in page


# --- who may list the registry's places (permission matrix) ------------------------------------

PLACE_LISTS = ["registry:organizations", "registry:buildings", "registry:grids", "registry:map"]
MAY_LIST_PLACES = {
    Role.COMMUNITY_WORKER: True,
    Role.GRID_WORKER: True,
    Role.BUILDING_LEADER: True,
    Role.HANDLER: False,
    Role.VOLUNTEER: False,
    Role.RESIDENT: False,
}


@pytest.mark.parametrize("role", list(MAY_LIST_PLACES))
@pytest.mark.parametrize("name", PLACE_LISTS)
def test_only_staff_list_the_registry_places(client: Client, county: County, role: str, name: str) -> None:
    client.force_login(demo_user(county, role))
    assert client.get(reverse(name)).status_code == (200 if MAY_LIST_PLACES[role] else 403)


@pytest.mark.parametrize("role", list(MAY_LIST_PLACES))
def test_the_api_lists_organisations_only_to_staff(client: Client, county: County, role: str) -> None:
    client.force_login(demo_user(county, role))
    response = client.get("/api/v1/organisations/")
    if MAY_LIST_PLACES[role]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403 or response.json()["count"] == 0


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.GRID_LEADER, Role.BUILDING_LEADER])
def test_the_phone_home_leads_to_my_grid(client: Client, county: County, role: str) -> None:
    client.force_login(demo_user(county, role))
    page = client.get(reverse("insight:field_home")).content.decode()
    link = re.search(r'href="([^"]+)" data-key="my_grid"', page)
    assert link is not None
    assert client.get(link.group(1).replace("&amp;", "&")).status_code == 200
