"""The grid page, the grid list's search and the organisation page: what each role sees there,
constant queries, and the organisation's contact phone revealed only with a reason and an audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.core.actors import System
from shequ.registry import services
from shequ.registry.actions import RegistryAction
from shequ.registry.models import Organization
from shequ.testing import County, add_resident, make_user

pytestmark = pytest.mark.django_db


def page(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def team(county: County) -> dict[str, Any]:
    return {
        "leader": make_user(Role.GRID_LEADER, county.grid_a1_1, username="leader_a11"),
        "worker": make_user(Role.GRID_WORKER, county.grid_a1_1, username="worker_a11"),
        "building": make_user(Role.BUILDING_LEADER, county.micro_a1_1_1, username="louzhang_a111"),
        "elsewhere": make_user(Role.GRID_WORKER, county.grid_a1_2, username="worker_a12"),
    }


@pytest.fixture
def org(county: County) -> Organization:
    return services.create_organization(
        by=System("test"),
        community=county.community_a1,
        building=county.buildings["a11"],
        name="溪南便利店",
        kind="shop",
        contact_name="周强",
        contact_phone="13712345678",
    )


def test_the_grid_page_shows_its_team_micro_grids_counts_and_boundary(
    client: Any, county: County, team: dict[str, Any], org: Organization
) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    grid = county.grid_a1_1
    text = page(client.get(reverse("registry:grid_detail", args=[grid.pk])))
    for name in ("leader_a11", "worker_a11", "louzhang_a111"):
        assert name in text
    assert "worker_a12" not in text  # the neighbouring grid's worker is not this grid's team
    assert county.micro_a1_1_1.name in text
    assert f"{reverse('registry:residents')}?grid={grid.pk}" in text
    assert f"{reverse('registry:households')}?grid={grid.pk}" in text
    assert f"{reverse('cases:list')}?grid={grid.pk}&amp;status=open" in text
    assert 'id="grid-map"' in text and '"grid-boundaries"' in text
    # key populations: the seeded resident carries 独居老人 and 低保 tags
    assert 'id="key-populations"' in text and "elderly_alone" in text and "dibao" in text


def test_key_populations_are_not_shown_to_a_building_leader(client: Any, county: County) -> None:
    client.force_login(make_user(Role.BUILDING_LEADER, county.grid_a1_1))
    text = page(client.get(reverse("registry:grid_detail", args=[county.grid_a1_1.pk])))
    assert 'id="key-populations"' not in text and "dibao" not in text
    assert "status=open" not in text  # no case list for a role that cannot read cases


def test_a_grid_outside_the_scope_is_404(client: Any, county: County) -> None:
    client.force_login(make_user(Role.GRID_WORKER, county.grid_a1_1))
    assert client.get(reverse("registry:grid_detail", args=[county.grid_b1_1.pk])).status_code == 404


def test_the_grid_page_costs_the_same_queries_however_big_the_grid(
    client: Any, county: County, team: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    url = reverse("registry:grid_detail", args=[county.grid_a1_1.pk])
    client.get(url)
    with django_assert_max_num_queries(16) as before:
        client.get(url)
    dwelling = county.residents["a11"].dwelling
    assert dwelling is not None
    for i in range(6):
        add_resident(dwelling, f"新住户{i}")
        make_user(Role.BUILDING_LEADER, county.micro_a1_1_1)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert "新住户" not in page(response)  # counted, not listed
    assert '<div class="value">7</div>' in page(response)  # 1 + 6 residents


def test_the_grid_list_search_filters_by_name_code_or_community(client: Any, county: County) -> None:
    client.force_login(make_user(Role.STREET_ADMIN, county.street_a))
    text = page(client.get(reverse("registry:grids"), {"q": "第二"}))
    assert county.grid_a1_2.name in text and county.grid_a1_1.name not in text
    text = page(client.get(reverse("registry:grids"), {"q": county.grid_a2_1.code}))
    assert county.grid_a2_1.name in text and county.grid_a1_2.name not in text
    htmx = page(client.get(reverse("registry:grids"), {"q": "解放"}, HTTP_HX_REQUEST="true"))
    assert "<html" not in htmx and county.grid_a2_1.name in htmx and county.grid_a1_1.name not in htmx
    assert reverse("registry:grid_detail", args=[county.grid_a2_1.pk]) in htmx
    assert 'class="keep-words"' in htmx


def test_the_households_and_organisations_lists_filter_by_grid(
    client: Any, county: County, org: Organization
) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    text = page(client.get(reverse("registry:households"), {"grid": county.grid_a1_1.pk}))
    assert "Ha11" in text and "Ha12" not in text
    assert "溪南便利店" in page(client.get(reverse("registry:organizations"), {"grid": county.grid_a1_1.pk}))
    assert "溪南便利店" not in page(
        client.get(reverse("registry:organizations"), {"grid": county.grid_a1_2.pk})
    )


def test_the_organisation_page_shows_its_fields_masked_phone_and_history(
    client: Any, county: County, org: Organization
) -> None:
    client.force_login(make_user(Role.GRID_WORKER, county.grid_a1_1))
    listing = page(client.get(reverse("registry:organizations")))
    url = reverse("registry:organization_detail", args=[org.pk])
    assert url in listing and "<th>名称</th>" in listing
    text = page(client.get(url))
    assert "溪南便利店" in text and "周强" in text
    assert "137****5678" in text and "13712345678" not in text
    assert reverse("registry:building_detail", args=[county.buildings["a11"].pk]) in text
    assert reverse("registry:grid_detail", args=[county.grid_a1_1.pk]) in text
    assert reverse("registry:organization_reveal", args=[org.pk]) in text
    assert "history_user" not in text and 'class="timeline"' in text


def test_the_organisation_phone_is_revealed_for_a_purpose_and_audited(
    client: Any, county: County, org: Organization
) -> None:
    client.force_login(make_user(Role.GRID_WORKER, county.grid_a1_1))
    url = reverse("registry:organization_reveal", args=[org.pk])
    refused = client.post(url, {"purpose": "verify_identity", "note": "."}, HTTP_HX_REQUEST="true")
    assert "13712345678" not in page(refused)
    assert not AuditEvent.objects.filter(action=RegistryAction.REVEAL_CONTACT_PHONE).exists()
    shown = client.post(url, {"purpose": "verify_identity", "note": "核实经营情况"}, HTTP_HX_REQUEST="true")
    assert "13712345678" in page(shown)
    event = AuditEvent.objects.get(action=RegistryAction.REVEAL_CONTACT_PHONE)
    assert event.reason.endswith("核实经营情况") and event.extra["purpose"] == "verify_identity"


def test_the_organisation_page_outside_the_scope_is_404_and_a_leader_cannot_reveal(
    client: Any, county: County, org: Organization
) -> None:
    client.force_login(make_user(Role.GRID_WORKER, county.grid_a1_2))
    assert client.get(reverse("registry:organization_detail", args=[org.pk])).status_code == 404
    client.force_login(make_user(Role.BUILDING_LEADER, county.grid_a1_1))
    text = page(client.get(reverse("registry:organization_detail", args=[org.pk])))
    assert reverse("registry:organization_reveal", args=[org.pk]) not in text
    assert (
        client.post(
            reverse("registry:organization_reveal", args=[org.pk]),
            {"purpose": "verify_identity", "note": "核实经营"},
        ).status_code
        == 403
    )


def test_organisations_are_created_through_the_api(client: Any, county: County) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    response = client.post(
        "/api/v1/organisations/",
        {
            "name": "熟溪物业",
            "kind": "property",
            "grid": county.grid_a1_2.code,
            "contact_phone": "13800009999",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["contact_phone"] == "138****9999" and body["community"]["name"] == county.community_a1.name
    assert AuditEvent.objects.filter(action=RegistryAction.CREATE_ORGANIZATION).count() == 1
    outside = client.post(
        "/api/v1/organisations/",
        {"name": "外区", "community": county.community_b1.code},
        content_type="application/json",
    )
    assert outside.status_code == 400 and "community" in outside.json()["fields"]
