"""The verbs of accounts: logging in under the lock-out policy, creating users, assigning roles."""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from shequ.accounts.actions import AccountAction
from shequ.audit.services import record_event
from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.places.models import Area, Grid, MicroGrid

from . import scope as scope_mod
from . import throttle
from .models import LoginLock, RoleAssignment, User
from .permissions import is_system
from .roles import AREA_ROLES, GRID_ROLES, LEVEL_LABELS, MICRO_GRID_ROLES, ROLE_RANK, Perm, Role
from .typing import Actor


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
    """Check a password under the lock-out policy. Every way in (the login page, the token API and
    the Django admin, whose login is this page) comes through here, so the rule is written once.

    Two limits: a username locks for SHEQU_LOGIN_LOCK_MINUTES after SHEQU_LOGIN_MAX_FAILURES
    failures in a row from one address (the same address: a stranger elsewhere cannot lock a worker
    out), and an address that fails SHEQU_LOGIN_IP_RATE times is refused for the rest of that
    window, even with a right password, so spraying one password over many accounts gets nowhere.
    An unknown username fails, counts and locks exactly like a real one.
    """
    ip = throttle.client_ip(request) if request is not None else None
    limit = throttle.failed_logins()
    if ip is not None and (wait := limit.wait_seconds(ip)):
        raise LoginThrottled(wait)
    try:
        return _check_password(request, username=username, password=password, address=ip or "")
    except RuleError:
        if ip is not None:
            limit.hit(ip)
        raise


def _check_password(request: HttpRequest | None, *, username: str, password: str, address: str) -> User:
    lock = LoginLock.objects.filter(username=username, address=address).first()
    if lock is not None and lock.locked_until is not None and lock.locked_until > timezone.now():
        raise RuleError(
            "account_locked",
            _("Too many failed attempts. Try again after %(time)s.")
            % {"time": timezone.localtime(lock.locked_until).strftime("%H:%M")},
        )
    authed = authenticate(request, username=username, password=password)
    if authed is None:
        _record_failure(username, address)
        raise RuleError("login_failed", _("Wrong username or password."))
    assert isinstance(authed, User)
    if lock is not None:
        lock.delete()
    return authed


def _record_failure(username: str, address: str) -> None:
    now = timezone.now()
    window = dt.timedelta(minutes=settings.SHEQU_LOGIN_LOCK_MINUTES)
    with transaction.atomic():
        # Counts that have lain still for a lock period are forgotten, so the table stays small.
        LoginLock.objects.filter(updated_at__lt=now - window).exclude(locked_until__gt=now).delete()
        lock, _created = LoginLock.objects.select_for_update().get_or_create(
            username=username, address=address
        )
        if lock.locked_until is not None and lock.locked_until <= now:
            lock.failures, lock.locked_until = 0, None  # a lock that ran out starts a fresh count
        lock.failures += 1
        if lock.failures >= settings.SHEQU_LOGIN_MAX_FAILURES:
            lock.locked_until, lock.failures = now + window, 0
            user = User.objects.filter(username=username).first()
            if user is not None:
                # Someone is guessing this password: tokens already out may be what they are after.
                revoked = _revoke_all(user)
                record_event(
                    actor=System("login policy"),
                    action=AccountAction.LOCK,
                    target=user,
                    area_path=scope_mod.home_path(user),
                    reason=_("Repeated failed logins"),
                    ip_address=address if _is_ip(address) else None,
                    extra={"tokens_revoked": revoked},
                )
        lock.save()


def _is_ip(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


@transaction.atomic
def unlock_user(user: User, *, by: Actor) -> None:
    _check_can_manage(by, user)
    LoginLock.objects.filter(username=user.username).delete()
    record_event(actor=by, action=AccountAction.UNLOCK, target=user, area_path=scope_mod.home_path(user))


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


def _check_can_manage(by: Actor, target_path: Any) -> None:
    if is_system(by):  # operators' commands
        return
    scope = scope_mod.scope_for(by, Perm.MANAGE_USERS)
    if isinstance(target_path, User):
        paths = [a.scope_path for a in target_path.assignments.all()]
        ok = scope.everything or (paths and all(scope.covers(p) for p in paths))
    else:
        ok = scope.covers(target_path) if target_path else scope.everything
    if not ok:
        raise RuleError("out_of_scope", _("You may only manage users within your own area."))


def _check_may_assign(by: Actor, role: str, node: Any) -> str:
    """The rules for handing out `role` at `node`; returns the node's path."""
    if role not in Role.values:
        raise RuleError(
            "unknown_role",
            _("Unknown role %(role)s.") % {"role": role},
            fields={"role": [_("Unknown role.")]},
        )
    _check_role_fits_node(role, node)
    path = node.path if node is not None else ""
    if not is_system(by):
        _check_can_manage(by, path)
        superuser = bool(getattr(by, "is_superuser", False))
        by_best = min(
            (ROLE_RANK[a.role] for a in scope_mod.assignments_of(by)), default=0 if superuser else 99
        )
        if not superuser and ROLE_RANK[role] <= by_best:
            raise RuleError("role_too_high", _("You may only hand out roles below your own."))
    return path


def _grant(user: User, *, role: str, node: Any, path: str) -> tuple[RoleAssignment, bool]:
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
    scope_mod.clear(user)
    return assignment, created


@transaction.atomic
def assign_role(user: User, *, role: str, node: Any = None, by: Actor) -> RoleAssignment:
    """Give `user` a role at a node. Admins hand out roles below their own, inside their scope."""
    path = _check_may_assign(by, role, node)
    assignment, created = _grant(user, role=role, node=node, path=path)
    if created:
        record_event(
            actor=by,
            action=AccountAction.ASSIGN_ROLE,
            target=user,
            area_path=path,
            extra={"role": role, "scope": assignment.scope_name},
        )
    return assignment


@transaction.atomic
def remove_assignment(assignment: RoleAssignment, *, by: Actor) -> None:
    _check_can_manage(by, assignment.scope_path)
    record_event(
        actor=by,
        action=AccountAction.REMOVE_ROLE,
        target=assignment.user,
        area_path=assignment.scope_path,
        extra={"role": assignment.role},
    )
    assignment.delete()


def _check_password_policy(password: str, user: User) -> None:
    """The configured password validators, as a field error on `password`."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise RuleError(
            "weak_password",
            _("The password does not meet the policy."),
            fields={"password": list(exc.messages)},
        ) from exc


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str,
    full_name: str = "",
    role: str | None = None,
    node: Any = None,
    by: Actor,
) -> User:
    """Create an account under the password policy, optionally with its first role."""
    if not is_system(by) and not scope_mod.has_perm_anywhere(by, Perm.MANAGE_USERS):
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
    _check_password_policy(password, user)
    path = _check_may_assign(by, role, node) if role is not None else ""
    user.set_password(password)
    user.save()
    extra: dict[str, Any] = {}
    if role is not None:
        assignment, _created = _grant(user, role=role, node=node, path=path)
        extra = {"role": role, "scope": assignment.scope_name}
    # One record for the account and its first role; filed where the role is, so the heads above see it.
    record_event(actor=by, action=AccountAction.CREATE_USER, target=user, area_path=path, extra=extra)
    return user


@transaction.atomic
def set_password(user: User, *, password: str, by: Actor) -> None:
    _check_password_policy(password, user)
    if not is_system(by) and by.pk != user.pk:
        _check_can_manage(by, user)
    revoked = _revoke_all(user)  # a token must not outlive the password that obtained it
    user.set_password(password)
    user.save(update_fields=["password"])  # User.save revokes too, for paths that skip this service
    record_event(
        actor=by,
        action=AccountAction.SET_PASSWORD,
        target=user,
        area_path=scope_mod.home_path(user),
        extra={"tokens_revoked": revoked},
    )


@transaction.atomic
def deactivate_user(user: User, *, by: Actor) -> None:
    _check_can_manage(by, user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    revoked = _revoke_all(user)
    record_event(
        actor=by,
        action=AccountAction.DEACTIVATE,
        target=user,
        area_path=scope_mod.home_path(user),
        extra={"tokens_revoked": revoked},
    )


@transaction.atomic
def issue_api_token(user: User, *, by: Actor, ip_address: str | None = None) -> tuple[str, AuthToken]:
    """A new API token for the user (`Authorization: Token ...`): the key is returned once and only
    its digest is stored; it expires after SHEQU_TOKEN_TTL_HOURS. Past SHEQU_TOKEN_LIMIT_PER_USER
    the oldest tokens are dropped, so a script that logs in every run cannot pile them up. Only the
    user themself or a job may ask for it; every issue is audited with the address that asked."""
    if not is_system(by) and by.pk != user.pk:
        raise RuleError("forbidden", _("You do not have permission to do this here."))
    instance, key = AuthToken.objects.create(
        user=user, expiry=dt.timedelta(hours=settings.SHEQU_TOKEN_TTL_HOURS)
    )
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    keep = settings.SHEQU_TOKEN_LIMIT_PER_USER
    surplus = list(
        AuthToken.objects.filter(user=user)
        .order_by("-created", "-digest")
        .values_list("digest", flat=True)[keep:]
    )
    if surplus:
        AuthToken.objects.filter(digest__in=surplus).delete()
    record_event(
        actor=by,
        action=AccountAction.ISSUE_TOKEN,
        target=user,
        area_path=scope_mod.home_path(user),
        ip_address=ip_address,
        extra={
            "token": instance.token_key[:8],
            "expiry": instance.expiry.isoformat() if instance.expiry else None,
        },
    )
    return key, instance


def _revoke_all(user: User) -> int:
    """Delete every API token of the user; the callers audit the event that made it necessary."""
    count, _per_model = AuthToken.objects.filter(user=user).delete()
    return count


@transaction.atomic
def revoke_api_token(token: AuthToken, *, by: Actor, ip_address: str | None = None) -> None:
    """Revoke one API token: its owner may, and so may whoever manages the owner's account."""
    user = token.user
    if not is_system(by) and by.pk != user.pk:
        _check_can_manage(by, user)
    label = token.token_key[:8]
    token.delete()
    record_event(
        actor=by,
        action=AccountAction.REVOKE_TOKEN,
        target=user,
        area_path=scope_mod.home_path(user),
        ip_address=ip_address,
        extra={"token": label},
    )


@transaction.atomic
def revoke_all_api_tokens(user: User, *, by: Actor, ip_address: str | None = None) -> int:
    """Revoke every API token of the user (from the user's page, by whoever manages the account)."""
    if not is_system(by) and by.pk != user.pk:
        _check_can_manage(by, user)
    count = _revoke_all(user)
    record_event(
        actor=by,
        action=AccountAction.REVOKE_TOKEN,
        target=user,
        area_path=scope_mod.home_path(user),
        ip_address=ip_address,
        extra={"all": True, "count": count},
    )
    return count
