"""Reads of accounts that the pages and the API share."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from .models import User


def live_tokens_of(user: User) -> QuerySet[AuthToken]:
    """The user's API tokens that still work, newest first. Only the digest and the first
    characters of the key (`token_key`, knox's look-up prefix, not enough to authenticate) are stored."""
    return (
        AuthToken.objects.filter(user=user)
        .exclude(expiry__lte=timezone.now())
        .order_by("-created", "-digest")
    )
