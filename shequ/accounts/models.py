from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new password ends every API token, whichever way it was set: services.set_password
        # (which audits how many), the Django admin's password form, `manage.py changepassword`.
        password_changed = getattr(self, "_password", None) is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            from knox.models import AuthToken

            AuthToken.objects.filter(user=self).delete()

    @property
    def locked_until(self) -> dt.datetime | None:
        """The latest lock on this username from any address (users_in_scope annotates it)."""
        if hasattr(self, "lock_until"):
            return self.lock_until
        return (
            LoginLock.objects.filter(username=self.username, locked_until__gt=timezone.now())
            .order_by("-locked_until")
            .values_list("locked_until", flat=True)
            .first()
        )

    @property
    def is_locked(self) -> bool:
        until = self.locked_until
        return until is not None and until > timezone.now()


class LoginLock(models.Model):
    """Failed logins in a row for one username from one client address, and the lock they cause.

    Keyed by both, so a stranger guessing from elsewhere cannot lock a worker out of their own
    desk; a username that does not exist is counted the same way, so the answers do not tell which
    usernames exist (docs/security.md).
    """

    username = models.CharField(_("username"), max_length=150)
    address = models.CharField(_("address"), max_length=64, blank=True)
    failures = models.PositiveSmallIntegerField(_("failed logins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("login lock")
        verbose_name_plural = _("login locks")
        constraints = [
            models.UniqueConstraint(fields=["username", "address"], name="accounts_loginlock_unique"),
        ]
        indexes = [models.Index(fields=["updated_at"], name="accounts_loginlock_updated")]

    def __str__(self) -> str:
        return f"{self.username} @ {self.address}"


class RoleAssignment(models.Model):
    """A role held at one node of the area tree, a grid or a micro-grid. Scope is the node's path."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        "places.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
    )
    grid = models.ForeignKey(
        "places.Grid",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("grid"),
    )
    # A building or ten-household leader looks after one micro-grid, not the whole grid.
    micro_grid = models.ForeignKey(
        "places.MicroGrid",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("micro-grid"),
    )
    # Denormalised from the area, grid or micro-grid so scope checks never need a join.
    scope_path = models.CharField(_("scope path"), max_length=64, blank=True)
    scope_name = models.CharField(_("scope"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "scope_path"], name="accounts_assignment_unique"),
        ]
        indexes = [models.Index(fields=["scope_path"], name="accounts_assignment_path")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.scope_name or _('everywhere')}"
