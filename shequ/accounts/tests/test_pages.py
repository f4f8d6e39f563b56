"""Login, logout, password, scope switcher and user management pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from shequ.accounts import services
from shequ.accounts.middleware import SESSION_KEY
from shequ.accounts.models import LoginLock, RoleAssignment, User
from shequ.accounts.roles import Role
from shequ.core.actors import System
from shequ.testing import PASSWORD, County, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Xishan-Road-2027"


def html(response: Any) -> str:
    return response.content.decode()


# --- login and logout ---------------------------------------------------------------------------


def test_login_page_logs_in_and_redirects(client: Any, county: County) -> None:
    make_user(Role.COMMUNITY_WORKER, county.community_a1, username="zhang")
    assert client.get(reverse("accounts:login")).status_code == 200
    response = client.post(reverse("accounts:login"), {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("registry:dashboard")
    assert client.get(reverse("registry:residents")).status_code == 200


def test_login_follows_a_safe_next_only(client: Any, county: County) -> None:
    make_user(Role.COMMUNITY_WORKER, county.community_a1, username="zhang")
    data = {"username": "zhang", "password": PASSWORD}
    ok = client.post(
        reverse("accounts:login") + "?next=/registry/residents/", {**data, "next": "/registry/residents/"}
    )
    assert ok["Location"] == "/registry/residents/"
    client.logout()
    evil = client.post(reverse("accounts:login"), {**data, "next": "https://evil.example/"})
    assert evil["Location"] == reverse("registry:dashboard")


def test_wrong_password_shows_a_message(client: Any, county: County) -> None:
    make_user(Role.COMMUNITY_WORKER, county.community_a1, username="zhang")
    response = client.post(reverse("accounts:login"), {"username": "zhang", "password": "nope"})
    assert response.status_code == 200
    assert "errorlist nonfield" in html(response)
    empty = client.post(reverse("accounts:login"), {"username": "", "password": ""})
    assert empty.status_code == 200 and "errorlist" in html(empty)


def test_repeated_failures_lock_the_account_with_a_message(client: Any, county: County) -> None:
    user = make_user(Role.COMMUNITY_WORKER, county.community_a1, username="zhang")
    for _ in range(settings.SHEQU_LOGIN_MAX_FAILURES):
        client.post(reverse("accounts:login"), {"username": "zhang", "password": "wrong"})
    user.refresh_from_db()
    assert user.is_locked
    # Even the right password is refused now, with the lock-out message.
    response = client.post(reverse("accounts:login"), {"username": "zhang", "password": PASSWORD})
    page = html(response)
    assert response.status_code == 200
    assert "Too many failed attempts" in page or "锁定" in page
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client: Any, county: County) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("registry:residents")).status_code == 302


def test_layout_has_menu_by_capability(client: Any, county: County) -> None:
    head = make_user(Role.COMMUNITY_HEAD, county.community_a1)
    client.force_login(head)
    page = html(client.get(reverse("registry:dashboard")))
    for name in ("registry:residents", "registry:map", "accounts:users", "audit:events"):
        assert f'href="{reverse(name)}"' in page
    client.force_login(make_user(Role.GRID_WORKER, county.grid_a1_1))
    page = html(client.get(reverse("registry:dashboard")))
    assert f'href="{reverse("registry:residents")}"' in page
    assert f'href="{reverse("accounts:users")}"' not in page
    assert f'href="{reverse("audit:events")}"' not in page


# --- my password --------------------------------------------------------------------------------


def test_change_my_password(client: Any, county: County) -> None:
    user = make_user(Role.COMMUNITY_WORKER, county.community_a1)
    client.force_login(user)
    url = reverse("accounts:password")
    wrong = client.post(
        url, {"old_password": "x", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert wrong.status_code == 200 and "errorlist" in html(wrong)
    weak = client.post(
        url, {"old_password": PASSWORD, "new_password": "12345678", "new_password2": "12345678"}
    )
    assert weak.status_code == 200 and "errorlist" in html(weak)
    differ = client.post(
        url, {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": "other"}
    )
    assert differ.status_code == 200 and "errorlist" in html(differ)
    ok = client.post(
        url, {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("registry:dashboard")).status_code == 200  # still logged in


# --- scope switcher -----------------------------------------------------------------------------


def test_scope_switcher_narrows_to_one_of_my_roles(client: Any, county: County) -> None:
    user = make_user(Role.COMMUNITY_WORKER, county.community_a1)
    other = services.assign_role(
        user, role=Role.COMMUNITY_WORKER, node=county.community_b1, by=System("test")
    )
    client.force_login(user)
    page = html(client.get(reverse("registry:residents")))
    assert "张伟" in page and "刘洋" in page
    assert 'name="assignment"' in page

    client.post(reverse("accounts:switch_scope"), {"assignment": other.pk})
    assert client.session[SESSION_KEY] == other.pk
    page = html(client.get(reverse("registry:residents")))
    assert "刘洋" in page and "张伟" not in page

    stranger = make_user(Role.COMMUNITY_WORKER, county.community_a2).assignments.get()
    client.post(reverse("accounts:switch_scope"), {"assignment": stranger.pk})
    assert client.session[SESSION_KEY] == other.pk  # unchanged: not theirs
    client.post(reverse("accounts:switch_scope"), {"assignment": "junk"})
    client.post(reverse("accounts:switch_scope"), {"assignment": "all"})
    assert SESSION_KEY not in client.session
    assert "张伟" in html(client.get(reverse("registry:residents")))


# --- user management ----------------------------------------------------------------------------


@pytest.fixture
def head(county: County) -> User:
    return make_user(Role.COMMUNITY_HEAD, county.community_a1, username="head_a1")


def test_user_list_respects_scope(client: Any, county: County, head: User) -> None:
    make_user(Role.GRID_WORKER, county.grid_a1_1, username="in_scope_worker")
    make_user(Role.GRID_WORKER, county.grid_b1_1, username="far_away_worker")
    client.force_login(head)
    page = html(client.get(reverse("accounts:users")))
    assert "in_scope_worker" in page and "far_away_worker" not in page
    far = User.objects.get(username="far_away_worker")
    assert client.get(reverse("accounts:user_detail", args=[far.pk])).status_code == 404
    assert client.post(reverse("accounts:user_action", args=[far.pk, "deactivate"])).status_code == 404


def test_workers_cannot_manage_users(client: Any, county: County) -> None:
    client.force_login(make_user(Role.GRID_WORKER, county.grid_a1_1))
    assert client.get(reverse("accounts:users")).status_code == 403


def picked_nodes(client: Any, q: str) -> list[str]:
    """What the user page's node picker offers for `q` (the values it would post)."""
    response = client.get(reverse("registry:place_search"), {"kind": "role_node", "q": q})
    return re.findall(r'data-id="([^"]+)"', response.content.decode())


def test_admin_creates_a_user_in_scope(client: Any, county: County, head: User) -> None:
    client.force_login(head)
    # The node is found by typing (the place picker), among the nodes in the admin's scope only.
    offered = picked_nodes(client, "网格")
    assert f"grid:{county.grid_a1_1.pk}" in offered and f"grid:{county.grid_b1_1.pk}" not in offered
    response = client.post(
        reverse("accounts:users"),
        {
            "username": "new_grid_worker",
            "full_name": "赵六",
            "password": NEW_PASSWORD,
            "role": Role.GRID_WORKER,
            "node": f"grid:{county.grid_a1_1.pk}",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="new_grid_worker")
    assert user.assignments.get().scope_path == county.grid_a1_1.path


@pytest.mark.parametrize(
    "data",
    [
        {"role": Role.GRID_WORKER, "node": "grid:{b1}"},  # outside the scope: not offered
        {"role": Role.GRID_WORKER, "node": "area:{a1}"},  # wrong level for the role
        {"role": Role.DISTRICT_ADMIN, "node": "area:{a1}"},  # above the admin's own role
        {"role": Role.GRID_WORKER, "node": "", "password": "123"},  # weak password
    ],
)
def test_bad_user_forms_answer_with_messages(
    client: Any, county: County, head: User, data: dict[str, str]
) -> None:
    client.force_login(head)
    post = {"username": "someone", "full_name": "某人", "password": NEW_PASSWORD, **data}
    post["node"] = post["node"].format(b1=county.grid_b1_1.pk, a1=county.community_a1.pk)
    response = client.post(reverse("accounts:users"), post)
    assert response.status_code == 200
    assert "errorlist" in html(response)
    assert not User.objects.filter(username="someone").exists()


def test_admin_adds_and_removes_roles_unlocks_and_deactivates(
    client: Any, county: County, head: User
) -> None:
    target = make_user(Role.GRID_WORKER, county.grid_a1_1, username="target")
    client.force_login(head)
    url = reverse("accounts:user_detail", args=[target.pk])
    assert (
        client.post(url, {"role": Role.GRID_LEADER, "node": f"grid:{county.grid_a1_2.pk}"}).status_code == 302
    )
    added = target.assignments.get(role=Role.GRID_LEADER)
    bad = client.post(url, {"role": Role.GRID_LEADER, "node": f"area:{county.community_a1.pk}"})
    assert bad.status_code == 200 and "errorlist" in html(bad)

    client.post(reverse("accounts:user_action", args=[target.pk, "remove_role"]), {"assignment": added.pk})
    assert not RoleAssignment.objects.filter(pk=added.pk).exists()
    client.post(reverse("accounts:user_action", args=[target.pk, "remove_role"]), {"assignment": "999999"})

    LoginLock.objects.create(
        username=target.username, address="10.0.0.9", locked_until=timezone.now() + dt.timedelta(minutes=9)
    )
    assert target.is_locked
    client.post(reverse("accounts:user_action", args=[target.pk, "unlock"]))
    assert not target.is_locked
    client.post(reverse("accounts:user_action", args=[target.pk, "deactivate"]))
    target.refresh_from_db()
    assert not target.is_active
    assert client.post(reverse("accounts:user_action", args=[target.pk, "explode"])).status_code == 404


def test_admin_makes_a_building_leader_at_a_micro_grid(client: Any, county: County, head: User) -> None:
    client.force_login(head)
    micro = county.micro_a1_1_1
    assert f"microgrid:{micro.pk}" in picked_nodes(client, micro.name[:4])
    response = client.post(
        reverse("accounts:users"),
        {
            "username": "leader_of_building_1",
            "full_name": "汤根水",
            "password": NEW_PASSWORD,
            "role": Role.BUILDING_LEADER,
            "node": f"microgrid:{micro.pk}",
        },
    )
    assert response.status_code == 302
    assignment = User.objects.get(username="leader_of_building_1").assignments.get()
    assert (assignment.micro_grid, assignment.scope_path) == (micro, micro.path)
