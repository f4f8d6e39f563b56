"""Request types for views that run only behind login (`login_required` / `perm_required`)."""

from __future__ import annotations

from django.http import HttpRequest

from shequ.accounts.models import User


class AuthedRequest(HttpRequest):
    """An HttpRequest whose user is known to be a logged-in `User`, never `AnonymousUser`."""

    user: User
