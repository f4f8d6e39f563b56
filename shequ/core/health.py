"""`GET /healthz`: is this app server able to serve? For load balancers and monitoring.

Answers `{"ok": true}` (200) when the database answers a trivial query, `{"ok": false}` (503)
when it does not, so a balancer takes the instance out of rotation. No login, no session, no
personal data; the benchmark harness uses it as the trivial endpoint the API is compared with.
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"ok": False}, status=503)
    return JsonResponse({"ok": True})
