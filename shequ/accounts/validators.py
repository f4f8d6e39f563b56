from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NotUsernameValidator:
    """The password may not be the username, forwards, backwards or with digits around it."""

    def validate(self, password: str, user: Any = None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if not username:
            return
        pw = password.lower()
        if username in pw or username[::-1] in pw:
            raise ValidationError(
                _("The password may not contain the username."), code="password_is_username"
            )

    def get_help_text(self) -> str:
        return _("The password may not contain the username.")
