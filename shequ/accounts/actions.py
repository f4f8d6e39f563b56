"""The audit actions of accounts, registered with `audit` from `AccountsConfig.ready()`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountAction(models.TextChoices):
    CREATE_USER = "user:create", _("Created user")
    ASSIGN_ROLE = "user:assign_role", _("Assigned role")
    REMOVE_ROLE = "user:remove_role", _("Removed role")
    LOCK = "user:lock", _("Account locked")
    UNLOCK = "user:unlock", _("Account unlocked")
    DEACTIVATE = "user:deactivate", _("Deactivated user")
    SET_PASSWORD = "user:set_password", _("Set password")
    ISSUE_TOKEN = "token:issue", _("Issued an API token")
    REVOKE_TOKEN = "token:revoke", _("Revoked an API token")
