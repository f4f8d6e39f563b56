"""API token authentication: knox's, one query per request."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's `Authorization: Token <key>` check. knox also sweeps all the user's other expired
    tokens on every request (one more query each time); here an expired token is deleted when it is
    presented, and `services.issue_api_token` sweeps the rest when a new one is issued."""

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI schema's `Authorization: Token <key>` scheme, for the class above."""

    target_class = "shequ.accounts.auth.TokenAuthentication"
    name = "tokenAuth"
