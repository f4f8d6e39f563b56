"""Types of accounts: the request behind login and the actor every service takes."""

from __future__ import annotations

from typing import TypeAlias

from django.http import HttpRequest

from shequ.accounts.models import User
from shequ.core.actors import System

# Who acts in a service: a person, or the system under a job's name. Never None.
Actor: TypeAlias = User | System


class AuthedRequest(HttpRequest):
    """An HttpRequest whose user is known to be a logged-in `User`, never `AnonymousUser`."""

    user: User
