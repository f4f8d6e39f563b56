"""API tokens (knox): stored as digests, expiring, listed and revoked by their owner, and revoked
with the password, a lock-out and deactivation (finding 9 of the second security pass)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from shequ.accounts import services
from shequ.accounts.actions import AccountAction
from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.core.actors import System
from shequ.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db

API = "/api/v1"
TOKEN_URL = f"{API}/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The token endpoint's rate limit counts in the cache; no test may leave its count behind."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def worker(db: Any) -> User:
    return make_user(Role.ADMIN, username="wangwu")


def _obtain(username: str = "wangwu", password: str = PASSWORD) -> dict[str, Any]:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _works(key: str) -> bool:
    status = _client(key).get(f"{API}/tokens/").status_code
    assert status in (200, 401)
    return status == 200


def test_the_endpoint_keeps_its_shape_and_adds_the_expiry(worker: User) -> None:
    before = dt.datetime.now(dt.UTC)
    body = _obtain()
    assert set(body) == {"token", "expiry"}
    expiry = dt.datetime.fromisoformat(body["expiry"])
    ttl = dt.timedelta(hours=settings.SHEQU_TOKEN_TTL_HOURS)
    assert before + ttl - dt.timedelta(minutes=1) < expiry < before + ttl + dt.timedelta(minutes=1)
    assert _works(body["token"])
    event = AuditEvent.objects.get(action=AccountAction.ISSUE_TOKEN)
    assert event.target_id == str(worker.pk) and body["token"] not in str(event.extra)


def test_the_key_is_not_in_the_database_in_clear(worker: User) -> None:
    key = _obtain()["token"]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                assert not any(isinstance(v, str) and key in v for v in row), table
    assert "authtoken_token" not in connection.introspection.table_names()


def test_an_expired_token_gets_401(worker: User) -> None:
    key = _obtain()["token"]
    with time_machine.travel(dt.timedelta(hours=settings.SHEQU_TOKEN_TTL_HOURS, minutes=1)):
        response = _client(key).get(f"{API}/tokens/")
    assert response.status_code == 401
    # Use does not stretch the expiry (no auto-refresh).
    key = _obtain()["token"]
    with time_machine.travel(dt.timedelta(hours=settings.SHEQU_TOKEN_TTL_HOURS - 1)):
        assert _works(key)
    with time_machine.travel(dt.timedelta(hours=settings.SHEQU_TOKEN_TTL_HOURS, minutes=1)):
        assert not _works(key)


def test_a_user_keeps_at_most_the_limit_the_oldest_dropped(worker: User, settings: Any) -> None:
    settings.SHEQU_TOKEN_LIMIT_PER_USER = 2
    keys = []
    for minutes in range(3):
        with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)):
            keys.append(_obtain()["token"])
    assert AuthToken.objects.filter(user=worker).count() == 2
    assert [_works(k) for k in keys] == [False, True, True]


def test_a_password_change_by_the_user_revokes_every_token(worker: User) -> None:
    keys = [_obtain()["token"], _obtain()["token"]]
    page = Client()
    page.force_login(worker)
    new = "Another-Passw0rd-2026"
    response = page.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": new, "new_password2": new},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not any(_works(k) for k in keys)
    event = AuditEvent.objects.filter(action=AccountAction.SET_PASSWORD).latest("at")
    assert event.extra["tokens_revoked"] == 2


def test_a_password_set_by_an_admin_revokes_every_token(worker: User) -> None:
    key = _obtain()["token"]
    admin = make_user(Role.ADMIN, username="root")
    services.set_password(worker, password="Another-Passw0rd-2026", by=admin)
    assert not _works(key)


def test_a_password_set_outside_the_services_revokes_every_token_too(worker: User) -> None:
    """The Django admin's password form and `manage.py changepassword` call set_password and save."""
    key = _obtain()["token"]
    worker.full_name = "王五"
    worker.save()
    assert _works(key)  # other edits leave tokens alone
    worker.set_password("Another-Passw0rd-2026")
    worker.save()
    assert not _works(key)


def test_deactivation_revokes_every_token(worker: User) -> None:
    key = _obtain()["token"]
    services.deactivate_user(worker, by=make_user(Role.ADMIN, username="root"))
    assert not AuthToken.objects.filter(user=worker).exists()
    assert not _works(key)


def test_a_lock_out_revokes_every_token(worker: User) -> None:
    key = _obtain()["token"]
    for _ in range(settings.SHEQU_LOGIN_MAX_FAILURES):
        APIClient().post(TOKEN_URL, {"username": "wangwu", "password": "wrong"}, format="json")
    assert not _works(key)
    event = AuditEvent.objects.get(action=AccountAction.LOCK)
    assert event.extra["tokens_revoked"] == 1


def test_a_user_lists_and_revokes_their_own_tokens_only(worker: User) -> None:
    first, second = _obtain()["token"], _obtain()["token"]
    make_user(Role.ADMIN, username="other")
    theirs = _obtain("other")["token"]
    client = _client(first)
    listed = client.get(f"{API}/tokens/").json()
    assert len(listed) == 2 and {frozenset(t) for t in listed} == {frozenset({"id", "created", "expiry"})}
    ids = {t["id"] for t in listed}
    assert first not in str(listed) and second not in str(listed)  # keys are never shown
    their_id = _client(theirs).get(f"{API}/tokens/").json()[0]["id"]
    assert their_id not in ids
    assert client.delete(f"{API}/tokens/{their_id}/").status_code == 404
    assert _works(theirs)
    second_id = next(t["id"] for t in listed if second.startswith(t["id"]))
    assert client.delete(f"{API}/tokens/{second_id}/").status_code == 204
    assert not _works(second) and _works(first)
    assert [t["id"] for t in client.get(f"{API}/tokens/").json()] == [next(iter(ids - {second_id}))]
    event = AuditEvent.objects.get(action=AccountAction.REVOKE_TOKEN)
    assert event.target_id == str(worker.pk) and event.actor_id == worker.pk
    assert event.extra["token"] == second_id[:8]


def test_the_tokens_page_lists_and_revokes(worker: User) -> None:
    key = _obtain()["token"]
    page = Client()
    page.force_login(worker)
    html = page.get("/accounts/tokens/").content.decode()
    stored = AuthToken.objects.get(user=worker)
    assert stored.token_key[:8] in html and key not in html and stored.digest not in html
    assert page.post("/accounts/tokens/", {"token": stored.token_key}).status_code == 302
    assert not _works(key)
    assert AuditEvent.objects.filter(action=AccountAction.REVOKE_TOKEN, actor=worker).count() == 1
    other = make_user(Role.ADMIN, username="other")
    _obtain("other")
    theirs = AuthToken.objects.get(user=other)
    page.post("/accounts/tokens/", {"token": theirs.token_key})
    assert AuthToken.objects.filter(user=other).exists()  # not mine: nothing happens


def test_an_admin_revokes_a_users_tokens_from_the_user_page(worker: User) -> None:
    key = _obtain()["token"]
    admin = make_user(Role.ADMIN, username="root")
    page = Client()
    page.force_login(admin)
    assert "revoke_tokens" in page.get(f"/accounts/users/{worker.pk}/").content.decode()
    assert page.post(f"/accounts/users/{worker.pk}/revoke_tokens/").status_code == 302
    assert not _works(key)
    event = AuditEvent.objects.get(action=AccountAction.REVOKE_TOKEN)
    assert event.actor_id == admin.pk and event.extra == {"all": True, "count": 1}


def test_a_worker_cannot_revoke_another_users_tokens_through_the_service(worker: User, county: Any) -> None:
    _obtain()
    stranger = make_user(Role.GRID_WORKER, county.grid_a1_1, username="zhaoliu")
    with pytest.raises(Exception):  # noqa: B017 - RuleError or PermissionDenied, either refuses
        services.revoke_all_api_tokens(worker, by=stranger)
    assert AuthToken.objects.filter(user=worker).exists()
    services.revoke_all_api_tokens(worker, by=System("test"))
    assert not AuthToken.objects.filter(user=worker).exists()


def test_the_django_admin_lists_digests_never_keys(worker: User, settings: Any) -> None:
    settings.SHEQU_ADMIN_ENABLED = True
    key = _obtain()["token"]
    root = User.objects.create_superuser("root", password=PASSWORD)
    admin = Client()
    admin.force_login(root)
    response = admin.get("/django-admin/knox/authtoken/")
    assert response.status_code == 200
    html = response.content.decode()
    assert AuthToken.objects.get(user=worker).digest in html and key not in html


def test_the_tokens_page_and_the_user_page_speak_chinese(worker: User) -> None:
    _obtain()
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page.force_login(worker)
    html = page.get("/accounts/tokens/").content.decode()
    assert "我的 API 令牌" in html and "全部吊销" in html and "到期时间" in html
    admin = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    admin.force_login(make_user(Role.ADMIN, username="root"))
    assert "1 个 API 令牌" in admin.get(f"/accounts/users/{worker.pk}/").content.decode()
    response = admin.post(f"/accounts/users/{worker.pk}/revoke_tokens/", follow=True)
    assert "已吊销 1 个 API 令牌。" in response.content.decode()
