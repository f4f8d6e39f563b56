from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("failed logins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


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
