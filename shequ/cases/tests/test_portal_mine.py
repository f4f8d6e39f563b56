"""A logged-in resident lands on the portal and finds what they reported there (我反映的问题)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.accounts.roles import Role
from shequ.cases.testing import build_case_world, report
from shequ.testing import County, make_user

pytestmark = pytest.mark.django_db


def test_a_resident_finds_their_own_reports_on_the_portal(client: Client, county: County) -> None:
    world = build_case_world(county)
    resident = make_user(Role.RESIDENT, county.community_a1)
    neighbour = make_user(Role.RESIDENT, county.community_a1)
    mine = report(world, by=resident, description="小区门口井盖松动，有人绊倒")
    theirs = report(world, description="楼下垃圾堆放三天无人清运")

    client.force_login(resident)
    home = client.get(reverse("portal:home")).content.decode()
    assert mine.number in home and theirs.number not in home
    page = client.get(reverse("portal:case", args=[mine.number]))
    assert page.status_code == 200 and "井盖松动" in page.content.decode()
    # Someone else's case still needs its number and phone, as for anybody.
    other: Any = client.get(reverse("portal:case", args=[theirs.number]))
    assert other.status_code == 302 and reverse("portal:follow") in other["Location"]

    client.force_login(neighbour)
    assert mine.number not in client.get(reverse("portal:home")).content.decode()
    assert client.get(reverse("portal:case", args=[mine.number])).status_code == 302


def test_an_anonymous_visitor_sees_no_list_of_reports(client: Client, county: County) -> None:
    page = client.get(reverse("portal:home")).content.decode()
    assert 'id="my-reports"' not in page
