"""`manage.py create_user`: the operators' contract."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import base, call_command
from django.core.management.base import CommandError

from shequ.accounts.management.commands.create_user import Command as CreateUser
from shequ.accounts.models import User
from shequ.testing import PASSWORD, County

DISTRICT, STREET, COMMUNITY, GRID = "330723000000", "330723001000", "330723001001", "330723001001001"


def create_user(*args: str) -> str:
    out = io.StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize(
    ("role", "scope", "path"),
    [
        ("district_admin", ["--area", DISTRICT], "330723"),
        ("street_admin", ["--area", STREET], "330723.001"),
        ("community_head", ["--area", COMMUNITY], "330723.001.001"),
        ("community_worker", ["--area", COMMUNITY], "330723.001.001"),
        ("grid_leader", ["--grid", GRID], "330723.001.001.001"),
        ("grid_worker", ["--grid", GRID], "330723.001.001.001"),
        ("building_leader", ["--grid", GRID], "330723.001.001.001"),
        ("building_leader", ["--micro-grid", GRID + "001"], "330723.001.001.001.001"),
        ("handler", ["--area", COMMUNITY], "330723.001.001"),
        ("volunteer", ["--area", COMMUNITY], "330723.001.001"),
        ("resident", ["--area", COMMUNITY], "330723.001.001"),
    ],
)
def test_create_user_gives_each_role_its_scope(
    county: County, role: str, scope: list[str], path: str
) -> None:
    out = create_user("someone", "--password", PASSWORD, "--role", role, *scope, "--name", "张三")
    user = User.objects.get(username="someone")
    assert "Created user someone" in out
    assert user.full_name == "张三" and user.check_password(PASSWORD)
    [assignment] = user.assignments.all()
    assert (assignment.role, assignment.scope_path) == (role, path)
    assert not user.is_superuser


def test_create_admin_takes_no_scope_and_can_use_django_admin(county: County) -> None:
    create_user("boss", "--password", PASSWORD, "--role", "admin")
    user = User.objects.get(username="boss")
    [assignment] = user.assignments.all()
    assert (assignment.role, assignment.scope_path) == ("admin", "")
    assert user.is_staff and user.is_superuser


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "mayor", "--area", COMMUNITY], "Unknown role"),
        (["--role", "grid_worker"], "scope_required"),
        (["--role", "community_worker"], "scope_required"),
        (["--role", "admin", "--area", DISTRICT], "admin_has_no_scope"),
        (["--role", "community_worker", "--area", "330723009009"], "unknown_area"),
        (["--role", "grid_worker", "--grid", "330723001001999"], "unknown_grid"),
        (["--role", "building_leader", "--micro-grid", "330723001001001999"], "unknown_micro_grid"),
        (["--role", "grid_worker", "--micro-grid", GRID + "001"], "grid_required"),
        (["--role", "grid_worker", "--area", COMMUNITY], "grid_required"),
        (["--role", "district_admin", "--area", COMMUNITY], "wrong_level"),
        (["--role", "street_admin", "--grid", GRID], "wrong_level"),
        (["--role", "community_worker", "--area", "3307230010"], "12-digit"),
        (["--role", "grid_worker", "--grid", "33072300100100"], "15-digit"),
    ],
)
def test_create_user_refuses_bad_input_and_writes_nothing(
    county: County, args: list[str], message: str
) -> None:
    users = User.objects.count()
    with pytest.raises(CommandError, match=message):
        create_user("newcomer", "--password", PASSWORD, *args)
    assert User.objects.count() == users
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.parametrize("password", ["short1!", "password123", "12345678901", "newcomer-2026-xyz!"])
def test_create_user_refuses_a_weak_password(county: County, password: str) -> None:
    with pytest.raises(CommandError, match="weak_password"):
        create_user("newcomer", "--password", password, "--role", "resident", "--area", COMMUNITY)
    assert not User.objects.filter(username="newcomer").exists()


def test_a_new_user_needs_a_password(county: County) -> None:
    with pytest.raises(CommandError, match="--password"):
        create_user("newcomer", "--role", "resident", "--area", COMMUNITY)


def test_an_existing_user_gets_an_extra_assignment_and_keeps_the_password(county: County) -> None:
    create_user("wang", "--password", PASSWORD, "--role", "community_worker", "--area", COMMUNITY)
    out = create_user("wang", "--password", "Another-Pass-2026!", "--role", "grid_leader", "--grid", GRID)
    user = User.objects.get(username="wang")
    assert "added grid_leader" in out and "password left unchanged" in out
    assert sorted(user.assignments.values_list("role", "scope_path")) == [
        ("community_worker", "330723.001.001"),
        ("grid_leader", "330723.001.001.001"),
    ]
    assert user.check_password(PASSWORD)
    # Without --password too, and the same line twice changes nothing.
    create_user("wang", "--role", "street_admin", "--area", STREET)
    again = create_user("wang", "--role", "street_admin", "--area", STREET)
    assert "nothing changed" in again
    assert user.assignments.count() == 3


def test_bad_input_exits_non_zero_from_the_command_line(
    county: County, capsys: Any, monkeypatch: Any
) -> None:
    # run_from_argv closes every connection when it ends; keep the test's transaction open.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_info:
        CreateUser().run_from_argv(
            ["manage.py", "create_user", "x", "--password", PASSWORD, "--role", "mayor"]
        )
    assert exit_info.value.code != 0
    assert "Unknown role" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        CreateUser().run_from_argv(["manage.py", "create_user", "x", "--password", PASSWORD])  # no --role
    assert exit_info.value.code != 0
