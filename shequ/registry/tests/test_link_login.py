"""A resident's login is linked to their registry record by staff who may change the registry, and
the portal then shows the resident their household's public information (docs/roles.md)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.registry import services as registry
from shequ.registry.models import Resident
from shequ.testing import County, add_resident, make_user

pytestmark = pytest.mark.django_db


def _family(county: County) -> tuple[Resident, Resident]:
    """张伟 (head, with a phone and two tags) and his wife 赵敏 with her own phone, in household Ha11."""
    head = county.residents["a11"]
    wife = add_resident(
        head.dwelling, "赵敏", household=head.household, phone="13912345678", relation_to_head="10"
    )
    return head, wife


def test_the_linked_resident_sees_their_household_and_nothing_personal(
    client: Client, county: County
) -> None:
    head, wife = _family(county)
    login = make_user(Role.RESIDENT, county.community_a1)
    registry.link_login(wife, user=login, by=System("test"))

    client.force_login(login)
    response = client.get(reverse("portal:home"))
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    panel = page[page.index('id="my-household"') :]
    panel = panel[: panel.index("</section>")]
    assert "张伟" in panel and "赵敏" in panel
    assert "Ha11" in panel and "溪南小区1幢" in panel and "301" in panel
    assert county.community_a1.name in panel
    # No ID or phone digits, masked or not, anywhere on the page; no key-population tags.
    for number in ("13800000001", "13912345678", "5678", "0001", head.id_number_masked, wife.phone_masked):
        assert number not in page
    assert "独居老人" not in page and "低保" not in page


def test_a_neighbour_and_an_unlinked_resident_see_only_the_hint(client: Client, county: County) -> None:
    head, _wife = _family(county)
    registry.link_login(head, user=make_user(Role.RESIDENT, county.community_a1), by=System("test"))
    neighbour = make_user(Role.RESIDENT, county.community_a1)

    client.force_login(neighbour)
    page = client.get(reverse("portal:home")).content.decode()
    assert 'id="my-household"' in page
    assert "张伟" not in page and "赵敏" not in page and "Ha11" not in page
    assert "请社区为您关联" in page


def test_only_a_resident_login_of_the_community_can_be_linked(county: County) -> None:
    head = county.residents["a11"]
    worker = make_user(Role.GRID_WORKER, county.grid_a1_1)
    elsewhere = make_user(Role.RESIDENT, county.community_b1)
    for login in (worker, elsewhere):
        with pytest.raises(RuleError) as refused:
            registry.link_login(head, user=login, by=System("test"))
        assert refused.value.code == "not_a_resident_login"
    assert Resident.objects.get(pk=head.pk).login_id is None


def test_staff_out_of_scope_cannot_link_and_the_link_is_audited(county: County) -> None:
    head = county.residents["a11"]
    login = make_user(Role.RESIDENT, county.community_a1)
    other_worker = make_user(Role.COMMUNITY_WORKER, county.community_b1)
    with pytest.raises(RuleError) as refused:
        registry.link_login(head, user=login, by=other_worker)
    assert refused.value.code == "forbidden"
    assert not AuditEvent.objects.filter(action="resident:link_login").exists()

    worker = make_user(Role.COMMUNITY_WORKER, county.community_a1)
    registry.link_login(head, user=login, by=worker)
    assert Resident.objects.get(pk=head.pk).login_id == login.pk
    event = AuditEvent.objects.get(action="resident:link_login")
    assert (
        event.actor_id == worker.pk and event.target_id == str(head.pk) and event.extra["login"] == login.pk
    )

    # One login, one record.
    with pytest.raises(RuleError) as taken:
        registry.link_login(county.residents["a12"], user=login, by=worker)
    assert taken.value.code == "login_taken"


def test_a_worker_links_a_login_on_the_resident_page(client: Client, county: County) -> None:
    head = county.residents["a11"]
    login = make_user(Role.RESIDENT, county.community_a1, username="yingxiuying")
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    page = client.get(reverse("registry:resident_detail", args=[head.pk])).content.decode()
    assert 'id="resident-login"' in page
    client.post(reverse("registry:resident_login", args=[head.pk]), {"username": "yingxiuying"})
    assert Resident.objects.get(pk=head.pk).login_id == login.pk
    client.post(reverse("registry:resident_login", args=[head.pk]), {"username": ""})
    assert Resident.objects.get(pk=head.pk).login_id is None

    # A volunteer, who may not change the registry, cannot link.
    client.force_login(make_user(Role.VOLUNTEER, county.community_a1))
    response = client.post(reverse("registry:resident_login", args=[head.pk]), {"username": "yingxiuying"})
    assert response.status_code in (302, 403, 404)
    assert Resident.objects.get(pk=head.pk).login_id is None
