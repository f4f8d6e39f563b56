"""Organisations' contact phones are sealed: masked for every role in the API, never in clear in
the database, and shown in full only through the audited reveal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.core import sealed
from shequ.registry.models import Organization
from shequ.testing import County, make_user

API = "/api/v1"
MOBILE = "13812345678"
ELEVEN_DIGITS = re.compile(rb"(?<!\d)1\d{10}(?!\d)")
# Each role at a node that holds the shop (the admin everywhere).
ROLE_NODES = {
    Role.ADMIN: None,
    Role.DISTRICT_ADMIN: "district",
    Role.STREET_ADMIN: "street_a",
    Role.COMMUNITY_HEAD: "community_a1",
    Role.COMMUNITY_WORKER: "community_a1",
    Role.GRID_LEADER: "grid_a1_1",
    Role.GRID_WORKER: "grid_a1_1",
    Role.BUILDING_LEADER: "grid_a1_1",
    Role.HANDLER: "community_a1",
    Role.VOLUNTEER: "community_a1",
    Role.RESIDENT: "grid_a1_1",
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user: User) -> APIClient:
    _instance, token_key = AuthToken.objects.create(user=user)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    return client


@pytest.fixture
def shop(county: County) -> Organization:
    grid = county.grid_a1_1
    org = Organization(
        name="好邻居超市", kind="shop", community=county.community_a1, grid=grid, area_path=grid.path
    )
    sealed.assign(org, "contact_phone", sealed.seal_for(Organization, "contact_phone", "138 1234 5678"))
    org.save()
    return org


@pytest.mark.parametrize("role", list(Role))
def test_no_role_reads_an_organisations_contact_mobile_in_full(
    county: County, shop: Organization, role: Role
) -> None:
    node = ROLE_NODES[role]
    user = make_user(role, getattr(county, node) if node else None)
    client = client_for(user)
    for url in (f"{API}/organisations/", f"{API}/organisations/{shop.pk}/"):
        response = client.get(url)
        assert response.status_code in (200, 403, 404), url
        assert not ELEVEN_DIGITS.search(response.content), (role, url)
        assert MOBILE.encode() not in response.content
    detail = client.get(f"{API}/organisations/{shop.pk}/")
    if detail.status_code == 200:
        assert detail.json()["contact_phone"] == "138****5678"


def test_the_database_row_and_its_history_hold_no_plaintext_phone(shop: Organization) -> None:
    with connection.cursor() as cursor:
        for table in (Organization._meta.db_table, Organization.history.model._meta.db_table):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (table names from the models)
            rows = cursor.fetchall()
            assert rows
            assert not any(MOBILE in str(value) for row in rows for value in row), table
    row = Organization.objects.get(pk=shop.pk)
    assert row.contact_phone_masked == "138****5678"
    assert row.contact_phone_digest == sealed.digest_for(Organization, "contact_phone", MOBILE)


def test_reveal_shows_the_full_phone_to_a_community_head_and_is_audited(
    county: County, shop: Organization
) -> None:
    head = make_user(Role.COMMUNITY_HEAD, county.community_a1)
    response = client_for(head).post(
        f"{API}/organisations/{shop.pk}/reveal/",
        {"purpose": "contact_visit", "note": "联系消防检查"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["contact_phone"] == MOBILE
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="organization:reveal")
    assert (event.actor_id, event.target_id, event.reason) == (
        head.pk,
        str(shop.pk),
        "联系走访：联系消防检查",
    )


def test_reveal_needs_a_reason_and_the_reveal_permission(county: County, shop: Organization) -> None:
    head = make_user(Role.COMMUNITY_HEAD, county.community_a1)
    volunteer = make_user(Role.VOLUNTEER, county.community_a1)
    no_reason = client_for(head).post(
        f"{API}/organisations/{shop.pk}/reveal/", {"purpose": "contact_visit", "note": "."}, format="json"
    )
    refused = client_for(volunteer).post(
        f"{API}/organisations/{shop.pk}/reveal/",
        {"purpose": "contact_visit", "note": "联系消防检查"},
        format="json",
    )
    assert no_reason.status_code == 400
    assert refused.status_code in (403, 404)
    assert MOBILE.encode() not in no_reason.content + refused.content
    assert not AuditEvent.objects.filter(action="organization:reveal").exists()


def _before_sealing() -> tuple[str, str]:
    """The registry migration before the one that seals contact phones (found by name)."""
    graph = MigrationExecutor(connection).loader.graph
    node = next(
        key for key in graph.nodes if key[0] == "registry" and key[1].endswith("organization_contact_sealed")
    )
    (parent,) = [p.key for p in graph.node_map[node].parents if p.key[0] == "registry"]
    return parent


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_existing_contact_phones_and_leaves_no_plain_column() -> None:
    before = _before_sealing()
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    org_model = old.get_model("registry", "Organization")
    area_model = org_model._meta.get_field("community").related_model
    community = area_model.objects.create(code="330723999001", name="测试社区", level="community", path="t9")
    org = org_model.objects.create(
        name="老单位", kind="company", community=community, area_path="t9", contact_phone="138-1234-5678"
    )
    landline = org_model.objects.create(
        name="门店", kind="shop", community=community, area_path="t9", contact_phone="0579-87654321"
    )
    old.get_model("registry", "HistoricalOrganization").objects.create(
        id=org.pk,
        name="老单位",
        kind="company",
        community_id=community.pk,
        area_path="t9",
        contact_phone="13812345678",
        history_date=timezone.now(),
        history_type="+",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert "contact_phone" not in {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), Organization._meta.db_table
        )
    }
    row = Organization.objects.get(pk=org.pk)
    assert row.contact_phone_masked == "138****5678"
    assert row.contact_phone_digest == sealed.digest_for(Organization, "contact_phone", MOBILE)
    assert sealed.reveal(row, "contact_phone") == MOBILE
    assert Organization.objects.get(pk=landline.pk).contact_phone_masked == "057******4321"
    history = Organization.history.model.objects.get(id=org.pk)
    assert history.contact_phone_masked == "138****5678"
    with connection.cursor() as cursor:
        for table in (Organization._meta.db_table, Organization.history.model._meta.db_table):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (table names from the models)
            assert not any(MOBILE in str(value) for row in cursor.fetchall() for value in row)


def test_the_organisations_page_shows_the_masked_phone(
    client: Any, county: County, shop: Organization
) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    response = client.get(reverse("registry:organizations"))
    assert response.status_code == 200
    assert "138****5678" in response.content.decode()
    assert MOBILE.encode() not in response.content
