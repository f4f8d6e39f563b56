"""Login policy, password policy, idle timeout, role assignment rules and scope (DESIGN rule 1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone, translation

from shequ.accounts import services
from shequ.accounts.models import LoginLock, RoleAssignment, User
from shequ.accounts.roles import Perm, Role
from shequ.accounts.scope import Scope, scope_for
from shequ.audit.models import AuditEvent
from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.testing import PASSWORD, County, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Assertions below read the English msgids; pages show the Chinese translations."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clerk(db: Any) -> User:
    return services.create_user(username="clerk", password=PASSWORD, full_name="王办事", by=System("test"))


def _fail(username: str, times: int = 1) -> list[RuleError]:
    errors = []
    for _ in range(times):
        with pytest.raises(RuleError) as info:
            services.log_in(None, username=username, password="wrong-password-123")
        errors.append(info.value)
    return errors


# --- lock-out -----------------------------------------------------------------------------------


def test_right_password_logs_in(clerk: User) -> None:
    assert services.log_in(None, username="clerk", password=PASSWORD) == clerk


def test_account_locks_after_max_failures_even_with_the_right_password(clerk: User) -> None:
    errors = _fail("clerk", settings.SHEQU_LOGIN_MAX_FAILURES)
    assert {e.code for e in errors} == {"login_failed"}
    clerk.refresh_from_db()
    assert clerk.is_locked
    expected = timezone.now() + dt.timedelta(minutes=settings.SHEQU_LOGIN_LOCK_MINUTES)
    assert abs((clerk.locked_until - expected).total_seconds()) < 60
    with pytest.raises(RuleError) as info:
        services.log_in(None, username="clerk", password=PASSWORD)
    assert info.value.code == "account_locked"
    assert AuditEvent.objects.filter(action="user:lock", target_id=str(clerk.pk)).count() == 1


def test_one_failure_short_of_the_limit_does_not_lock(clerk: User) -> None:
    _fail("clerk", settings.SHEQU_LOGIN_MAX_FAILURES - 1)
    clerk.refresh_from_db()
    assert not clerk.is_locked
    assert services.log_in(None, username="clerk", password=PASSWORD) == clerk


def test_limit_is_a_setting(clerk: User, settings: Any) -> None:
    settings.SHEQU_LOGIN_MAX_FAILURES = 2
    _fail("clerk", 2)
    clerk.refresh_from_db()
    assert clerk.is_locked


def test_lock_ends_when_locked_until_passes(clerk: User) -> None:
    _fail("clerk", settings.SHEQU_LOGIN_MAX_FAILURES)
    LoginLock.objects.filter(username="clerk").update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert services.log_in(None, username="clerk", password=PASSWORD) == clerk
    assert not clerk.is_locked
    assert not LoginLock.objects.filter(username="clerk").exists()


def test_lock_ends_when_time_moves_on(clerk: User, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail("clerk", settings.SHEQU_LOGIN_MAX_FAILURES)
    later = timezone.now() + dt.timedelta(minutes=settings.SHEQU_LOGIN_LOCK_MINUTES + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert services.log_in(None, username="clerk", password=PASSWORD) == clerk


def test_success_resets_the_failure_counter(clerk: User) -> None:
    _fail("clerk", settings.SHEQU_LOGIN_MAX_FAILURES - 1)
    assert LoginLock.objects.get(username="clerk").failures == settings.SHEQU_LOGIN_MAX_FAILURES - 1
    services.log_in(None, username="clerk", password=PASSWORD)
    assert not LoginLock.objects.filter(username="clerk").exists()
    # The count starts again: another MAX-1 failures still do not lock.
    _fail("clerk", settings.SHEQU_LOGIN_MAX_FAILURES - 1)
    clerk.refresh_from_db()
    assert not clerk.is_locked


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(clerk: User) -> None:
    [wrong_password] = _fail("clerk")
    [unknown_user] = _fail("nobody-here")
    assert unknown_user.code == wrong_password.code == "login_failed"
    assert str(unknown_user.message) == str(wrong_password.message)
    assert unknown_user.fields == wrong_password.fields


def test_deactivated_user_cannot_log_in(clerk: User) -> None:
    User.objects.filter(pk=clerk.pk).update(is_active=False)
    with pytest.raises(RuleError) as info:
        services.log_in(None, username="clerk", password=PASSWORD)
    assert info.value.code == "login_failed"


def test_unlock_by_an_admin(county: County, clerk: User) -> None:
    _fail("clerk", settings.SHEQU_LOGIN_MAX_FAILURES)
    admin = make_user(Role.ADMIN)
    services.unlock_user(clerk, by=admin)
    assert services.log_in(None, username="clerk", password=PASSWORD) == clerk


# --- password policy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("li_na", "Ab3$xyz"),  # shorter than 10
        ("li_na", "password1234"),  # on the common-password list
        ("li_na", "1234567890123"),  # all digits
        ("wangfang", "Xy7-wangfang-2026"),  # contains the username
        ("wangfang", "Xy7-gnafgnaw-2026"),  # contains it backwards
    ],
)
def test_weak_password_is_refused_with_field_messages(username: str, password: str) -> None:
    with pytest.raises(RuleError) as info:
        services.create_user(username=username, password=password, by=System("test"))
    assert info.value.code == "weak_password"
    assert info.value.fields["password"]
    assert all(str(m) for m in info.value.fields["password"])
    assert not User.objects.filter(username=username).exists()


def test_minimum_length_is_ten_by_default() -> None:
    with pytest.raises(RuleError):
        services.create_user(username="zhaomin", password="Qz7#kP2$w", by=System("test"))  # 9
    assert services.create_user(username="zhaomin", password="Qz7#kP2$wm", by=System("test"))  # 10


def test_set_password_keeps_the_policy(clerk: User) -> None:
    with pytest.raises(RuleError) as info:
        services.set_password(clerk, password="clerk-123456789", by=System("test"))
    assert info.value.code == "weak_password"
    services.set_password(clerk, password="Another-Strong-2026", by=System("test"))
    assert services.log_in(None, username="clerk", password="Another-Strong-2026") == clerk


def test_duplicate_username_is_refused(clerk: User) -> None:
    with pytest.raises(RuleError) as info:
        services.create_user(username=" clerk ", password=PASSWORD, by=System("test"))
    assert info.value.code == "username_taken"


# --- sessions -----------------------------------------------------------------------------------


def test_sessions_end_after_thirty_idle_minutes() -> None:
    assert settings.SHEQU_IDLE_TIMEOUT_MINUTES == 30
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    # The age counts from the last request, which makes it an idle timeout.
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


# --- role assignments ---------------------------------------------------------------------------


def test_admin_role_takes_no_node(county: County, clerk: User) -> None:
    with pytest.raises(RuleError) as info:
        services.assign_role(clerk, role=Role.ADMIN, node=county.district, by=System("test"))
    assert info.value.code == "admin_has_no_scope"
    assert services.assign_role(clerk, role=Role.ADMIN, by=System("test")).scope_path == ""


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.GRID_LEADER, Role.BUILDING_LEADER])
def test_grid_roles_need_a_grid(county: County, clerk: User, role: Role) -> None:
    with pytest.raises(RuleError) as info:
        services.assign_role(clerk, role=role, node=county.community_a1, by=System("test"))
    assert info.value.code == "grid_required"
    with pytest.raises(RuleError) as info:
        services.assign_role(clerk, role=role, node=None, by=System("test"))
    assert info.value.code == "scope_required"
    assignment = services.assign_role(clerk, role=role, node=county.grid_a1_1, by=System("test"))
    assert assignment.grid == county.grid_a1_1
    assert assignment.scope_path == county.grid_a1_1.path


@pytest.mark.parametrize("role", [Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD])
def test_community_roles_need_a_community(county: County, clerk: User, role: Role) -> None:
    for node in (county.street_a, county.grid_a1_1, county.district):
        with pytest.raises(RuleError) as info:
            services.assign_role(clerk, role=role, node=node, by=System("test"))
        assert info.value.code == "wrong_level"
    assert (
        services.assign_role(clerk, role=role, node=county.community_a1, by=System("test")).area
        == county.community_a1
    )


def test_unknown_role_is_refused(county: County, clerk: User) -> None:
    with pytest.raises(RuleError) as info:
        services.assign_role(clerk, role="emperor", node=county.district, by=System("test"))
    assert info.value.code == "unknown_role"


def test_street_admin_cannot_hand_out_district_admin(county: County, clerk: User) -> None:
    street_admin = make_user(Role.STREET_ADMIN, county.street_a)
    with pytest.raises(RuleError) as info:
        services.assign_role(clerk, role=Role.DISTRICT_ADMIN, node=county.district, by=street_admin)
    assert info.value.code in {"out_of_scope", "role_too_high"}
    with pytest.raises(RuleError) as info:
        services.assign_role(clerk, role=Role.STREET_ADMIN, node=county.street_a, by=street_admin)
    assert info.value.code == "role_too_high"
    assert not RoleAssignment.objects.filter(user=clerk).exists()


def test_street_admin_cannot_assign_outside_their_street(county: County, clerk: User) -> None:
    street_admin = make_user(Role.STREET_ADMIN, county.street_a)
    with pytest.raises(RuleError) as info:
        services.assign_role(clerk, role=Role.COMMUNITY_WORKER, node=county.community_b1, by=street_admin)
    assert info.value.code == "out_of_scope"
    with pytest.raises(RuleError) as info:
        services.assign_role(clerk, role=Role.GRID_WORKER, node=county.grid_b1_1, by=street_admin)
    assert info.value.code == "out_of_scope"


def test_street_admin_assigns_below_their_rank_inside_their_street(county: County, clerk: User) -> None:
    street_admin = make_user(Role.STREET_ADMIN, county.street_a)
    a = services.assign_role(clerk, role=Role.COMMUNITY_WORKER, node=county.community_a2, by=street_admin)
    assert a.scope_path == county.community_a2.path
    event = AuditEvent.objects.get(action="user:assign_role", target_id=str(clerk.pk))
    assert event.actor == street_admin
    assert event.extra["role"] == Role.COMMUNITY_WORKER


def test_grid_worker_cannot_create_users(county: County) -> None:
    worker = make_user(Role.GRID_WORKER, county.grid_a1_1)
    with pytest.raises(RuleError) as info:
        services.create_user(username="sneaky", password=PASSWORD, by=worker)
    assert info.value.code == "forbidden"
    with pytest.raises(RuleError):
        services.create_user(
            username="sneaky", password=PASSWORD, role=Role.VOLUNTEER, node=county.grid_a1_1, by=worker
        )
    assert not User.objects.filter(username="sneaky").exists()


def test_assigning_the_same_role_twice_is_one_assignment(county: County, clerk: User) -> None:
    services.assign_role(clerk, role=Role.GRID_WORKER, node=county.grid_a1_1, by=System("test"))
    services.assign_role(clerk, role=Role.GRID_WORKER, node=county.grid_a1_1, by=System("test"))
    assert clerk.assignments.count() == 1


# --- scope --------------------------------------------------------------------------------------


def test_scope_of_several_assignments_is_their_union(county: County) -> None:
    user = make_user(Role.GRID_WORKER, county.grid_a1_1)
    services.assign_role(user, role=Role.GRID_WORKER, node=county.grid_b1_1, by=System("test"))
    scope = scope_for(user, Perm.VIEW_RESIDENTS)
    assert set(scope.paths) == {county.grid_a1_1.path, county.grid_b1_1.path}
    assert scope.covers(county.resident_in(county.grid_a1_1).area_path)
    assert scope.covers(county.resident_in(county.grid_b1_1).area_path)
    assert not scope.covers(county.resident_in(county.grid_a2_1).area_path)


def test_active_assignment_narrows_the_scope(county: County) -> None:
    user = make_user(Role.GRID_WORKER, county.grid_a1_1)
    other = services.assign_role(user, role=Role.GRID_WORKER, node=county.grid_b1_1, by=System("test"))
    user.active_assignment_id = other.pk  # type: ignore[attr-defined]
    assert scope_for(user, Perm.VIEW_RESIDENTS).paths == (county.grid_b1_1.path,)


def test_superuser_sees_everything(county: County) -> None:
    root = User.objects.create_superuser("root", password=PASSWORD)
    assert scope_for(root, Perm.REVEAL_PII) == Scope(True)
    assert make_user(Role.ADMIN) and scope_for(make_user(Role.ADMIN), Perm.VIEW_AUDIT).everything


def test_normalisation_drops_paths_already_covered(county: County) -> None:
    user = make_user(Role.COMMUNITY_WORKER, county.community_a1)
    services.assign_role(user, role=Role.GRID_WORKER, node=county.grid_a1_1, by=System("test"))
    services.assign_role(user, role=Role.GRID_WORKER, node=county.grid_a2_1, by=System("test"))
    assert scope_for(user, Perm.VIEW_RESIDENTS).paths == tuple(
        sorted([county.community_a1.path, county.grid_a2_1.path])
    )


def test_sibling_paths_with_a_common_prefix_are_not_merged(county: County) -> None:
    user = make_user(Role.GRID_WORKER, county.grid_a1_1)
    services.assign_role(user, role=Role.GRID_WORKER, node=county.grid_a1_2, by=System("test"))
    assert len(scope_for(user, Perm.VIEW_RESIDENTS).paths) == 2


def test_volunteer_sees_neither_residents_nor_the_registry_places(county: County) -> None:
    volunteer = make_user(Role.VOLUNTEER, county.community_a1)
    assert scope_for(volunteer, Perm.VIEW_RESIDENTS).empty
    assert scope_for(volunteer, Perm.VIEW_PLACES).empty
    assert not scope_for(volunteer, Perm.REPORT_CASES).empty


def test_anonymous_and_inactive_users_have_no_scope(county: County) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert scope_for(AnonymousUser(), Perm.VIEW_PLACES).empty
    assert scope_for(None, Perm.VIEW_PLACES).empty
    worker = make_user(Role.GRID_WORKER, county.grid_a1_1)
    worker.is_active = False
    assert scope_for(worker, Perm.VIEW_PLACES).empty


def test_scope_q_filters_by_prefix(county: County) -> None:
    from shequ.registry.models import Resident

    worker = make_user(Role.COMMUNITY_WORKER, county.community_a1)
    names = set(
        Resident.objects.filter(scope_for(worker, Perm.VIEW_RESIDENTS).q()).values_list("name", flat=True)
    )
    assert names == {"张伟", "李娜"}
    assert not Resident.objects.filter(Scope(False).q()).exists()


# --- rules permissions --------------------------------------------------------------------------


def test_grid_worker_may_reveal_pii_in_their_grid_only(county: County) -> None:
    worker = make_user(Role.GRID_WORKER, county.grid_a1_1)
    assert worker.has_perm("shequ.reveal_pii", county.resident_in(county.grid_a1_1))
    assert not worker.has_perm("shequ.reveal_pii", county.resident_in(county.grid_a1_2))
    assert not worker.has_perm("shequ.reveal_pii", county.resident_in(county.grid_b1_1))
    assert worker.has_perm("shequ.reveal_pii")


def test_building_leader_may_view_but_not_reveal(county: County) -> None:
    leader = make_user(Role.BUILDING_LEADER, county.grid_a1_1)
    resident = county.resident_in(county.grid_a1_1)
    assert leader.has_perm("shequ.view_residents", resident)
    assert not leader.has_perm("shequ.reveal_pii", resident)
    assert not leader.has_perm("shequ.view_key_populations", resident)
    assert not leader.has_perm("shequ.reveal_pii")


def test_street_admin_permission_covers_areas_and_grids_of_their_street(county: County) -> None:
    admin = make_user(Role.STREET_ADMIN, county.street_a)
    assert admin.has_perm("shequ.change_registry", county.community_a2)
    assert admin.has_perm("shequ.change_registry", county.grid_a1_2)
    assert not admin.has_perm("shequ.change_registry", county.community_b1)
    assert not admin.has_perm("shequ.change_registry", county.district)
