"""Types of accounts: the request behind login and the actor every service takes."""

from __future__ import annotations

from typing import TypeAlias

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from shequ.accounts.models import User
from shequ.core.actors import System

# Who acts in a service: a person, or the system under a job's name. Never None.
Actor: TypeAlias = User | System


class AuthedRequest(HttpRequest):
    """An HttpRequest whose user is known to be a logged-in `User`, never `AnonymousUser`."""

    user: User


def acting_user(request: HttpRequest) -> User:
    """The logged-in person behind a page or API call guarded by login, as a service's actor.
    Anyone else is refused (403): an anonymous request never reaches a service as an actor."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


def person(by: Actor) -> User | None:
    """The user behind an actor, for columns that name a person (`recorded_by`, `reporter`); a job has none."""
    return by if isinstance(by, User) else None
