"""The verbs of accounts: logging in under the lock-out policy, creating users, assigning roles."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.audit.services import record_event
from shequ.core.errors import RuleError
from shequ.places.models import Area, Grid, MicroGrid

from . import scope as scope_mod
from . import throttle
from .models import RoleAssignment, User
from .roles import AREA_ROLES, GRID_ROLES, LEVEL_LABELS, MICRO_GRID_ROLES, ROLE_RANK, Perm, Role


class LoginThrottled(RuleError):
    """Too many failed logins from one address (SHEQU_LOGIN_IP_RATE); `wait` is in seconds."""

    def __init__(self, wait: int) -> None:
        super().__init__(
            "too_many_attempts",
            _("Too many failed logins from this address. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, math.ceil(wait / 60))},
        )
        self.wait = wait


def log_in(request: HttpRequest | None, *, username: str, password: str) -> User:
    """Check a password under the lock-out policy; the same message for every failure.

    Two limits: an account locks after SHEQU_LOGIN_MAX_FAILURES failures in a row, and an address
    that fails SHEQU_LOGIN_IP_RATE times is refused for the rest of that window, even with a right
    password, so spraying one password over many accounts gets nowhere either.
    """
    limit, ip = throttle.failed_logins(), throttle.client_ip(request) if request is not None else None
    if ip is not None and (wait := limit.wait_seconds(ip)):
        raise LoginThrottled(wait)
    try:
        return _check_password(request, username=username, password=password)
    except RuleError:
        if ip is not None:
            limit.hit(ip)
        raise


def _check_password(request: HttpRequest | None, *, username: str, password: str) -> User:
    generic = RuleError("login_failed", _("Wrong username or password."))
    user = User.objects.filter(username=username).first()
    if user is not None and user.is_locked:
        raise RuleError(
            "account_locked",
            _("Too many failed attempts. The account is locked until %(time)s.")
            % {"time": timezone.localtime(user.locked_until).strftime("%H:%M")},
        )
    authed = authenticate(request, username=username, password=password)
    if authed is None:
        if user is not None:
            _record_failure(user)
        raise generic
    assert isinstance(authed, User)
    if authed.failed_logins or authed.locked_until:
        User.objects.filter(pk=authed.pk).update(failed_logins=0, locked_until=None)
    return authed


def _record_failure(user: User) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        if user.failed_logins >= settings.SHEQU_LOGIN_MAX_FAILURES:
            until = timezone.now() + dt.timedelta(minutes=settings.SHEQU_LOGIN_LOCK_MINUTES)
            User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
            record_event(actor=None, action="user:lock", target=user, reason=_("Repeated failed logins"))


def unlock_user(user: User, *, by: User) -> None:
    _check_can_manage(by, user)
    User.objects.filter(pk=user.pk).update(locked_until=None, failed_logins=0)
    record_event(actor=by, action="user:unlock", target=user)


def resolve_node(
    *, area_code: str | None = None, grid_code: str | None = None, micro_grid_code: str | None = None
) -> Area | Grid | MicroGrid | None:
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            raise RuleError(
                "unknown_area",
                _("No area has the code %(code)s.") % {"code": area_code},
                fields={"area": [_("Unknown area code.")]},
            )
        return area
    if grid_code:
        grid = Grid.objects.filter(code=grid_code).first()
        if grid is None:
            raise RuleError(
                "unknown_grid",
                _("No grid has the code %(code)s.") % {"code": grid_code},
                fields={"grid": [_("Unknown grid code.")]},
            )
        return grid
    if micro_grid_code:
        micro_grid = MicroGrid.objects.filter(code=micro_grid_code).first()
        if micro_grid is None:
            raise RuleError(
                "unknown_micro_grid",
                _("No micro-grid has the code %(code)s.") % {"code": micro_grid_code},
                fields={"micro_grid": [_("Unknown micro-grid code.")]},
            )
        return micro_grid
    return None


def _check_role_fits_node(role: str, node: Any) -> None:
    if role == Role.ADMIN:
        if node is not None:
            raise RuleError("admin_has_no_scope", _("A system admin sees everything and takes no area."))
        return
    if node is None:
        raise RuleError(
            "scope_required",
            _("This role needs an area or a grid."),
            fields={"area": [_("Choose an area or a grid.")]},
        )
    kind = node._meta.model_name
    if role in MICRO_GRID_ROLES and kind not in ("grid", "microgrid"):
        raise RuleError(
            "grid_required",
            _("This role is assigned at a grid or a micro-grid."),
            fields={"grid": [_("Choose a grid or a micro-grid.")]},
        )
    if role in GRID_ROLES - MICRO_GRID_ROLES and kind != "grid":
        raise RuleError(
            "grid_required", _("This role is assigned at a grid."), fields={"grid": [_("Choose a grid.")]}
        )
    if role in AREA_ROLES and (kind != "area" or node.level != AREA_ROLES[Role(role)]):
        raise RuleError(
            "wrong_level",
            _("This role is assigned at a %(level)s.") % {"level": LEVEL_LABELS[AREA_ROLES[Role(role)]]},
            fields={"area": [_("Wrong area level.")]},
        )


def _check_can_manage(by: User | None, target_path: Any) -> None:
    if by is None:  # operators' commands
        return
    scope = scope_mod.scope_for(by, Perm.MANAGE_USERS)
    if isinstance(target_path, User):
        paths = [a.scope_path for a in target_path.assignments.all()]
        ok = scope.everything or (paths and all(scope.covers(p) for p in paths))
    else:
        ok = scope.covers(target_path) if target_path else scope.everything
    if not ok:
        raise RuleError("out_of_scope", _("You may only manage users within your own area."))


@transaction.atomic
def assign_role(user: User, *, role: str, node: Any = None, by: User | None = None) -> RoleAssignment:
    """Give `user` a role at a node. Admins hand out roles below their own, inside their scope."""
    if role not in Role.values:
        raise RuleError(
            "unknown_role",
            _("Unknown role %(role)s.") % {"role": role},
            fields={"role": [_("Unknown role.")]},
        )
    _check_role_fits_node(role, node)
    path = node.path if node is not None else ""
    if by is not None:
        _check_can_manage(by, path)
        by_best = min(
            (ROLE_RANK[a.role] for a in scope_mod.assignments_of(by)), default=0 if by.is_superuser else 99
        )
        if not by.is_superuser and ROLE_RANK[role] <= by_best:
            raise RuleError("role_too_high", _("You may only hand out roles below your own."))
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        scope_path=path,
        defaults={
            "area": node if node is not None and node._meta.model_name == "area" else None,
            "grid": node if node is not None and node._meta.model_name == "grid" else None,
            "micro_grid": node if node is not None and node._meta.model_name == "microgrid" else None,
            "scope_name": getattr(node, "full_name", None) or getattr(node, "name", None) or "",
        },
    )
    if created:
        record_event(
            actor=by,
            action="user:assign_role",
            target=user,
            area_path=path,
            extra={"role": role, "scope": assignment.scope_name},
        )
    scope_mod.clear(user)
    return assignment


@transaction.atomic
def remove_assignment(assignment: RoleAssignment, *, by: User) -> None:
    _check_can_manage(by, assignment.scope_path)
    record_event(
        actor=by,
        action="user:remove_role",
        target=assignment.user,
        area_path=assignment.scope_path,
        extra={"role": assignment.role},
    )
    assignment.delete()


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str,
    full_name: str = "",
    role: str | None = None,
    node: Any = None,
    by: User | None = None,
) -> User:
    """Create an account under the password policy, optionally with its first role."""
    if by is not None and not scope_mod.has_perm_anywhere(by, Perm.MANAGE_USERS):
        raise RuleError("forbidden", _("You do not have permission to do this here."))
    username = username.strip()
    if not username:
        raise RuleError(
            "invalid", _("A username is required."), fields={"username": [_("This field is required.")]}
        )
    if User.objects.filter(username=username).exists():
        raise RuleError(
            "username_taken",
            _("The username is already taken."),
            fields={"username": [_("The username is already taken.")]},
        )
    user = User(username=username, full_name=full_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise RuleError(
            "weak_password",
            _("The password does not meet the policy."),
            fields={"password": list(exc.messages)},
        ) from exc
    if role is not None:
        _check_role_fits_node(role, node)
    user.set_password(password)
    user.save()
    record_event(actor=by, action="user:create", target=user, area_path=getattr(node, "path", ""))
    if role is not None:
        assign_role(user, role=role, node=node, by=by)
    return user


def set_password(user: User, *, password: str, by: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise RuleError(
            "weak_password",
            _("The password does not meet the policy."),
            fields={"password": list(exc.messages)},
        ) from exc
    if by is not None and by.pk != user.pk:
        _check_can_manage(by, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record_event(actor=by, action="user:set_password", target=user)


def deactivate_user(user: User, *, by: User) -> None:
    _check_can_manage(by, user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    record_event(actor=by, action="user:deactivate", target=user)
