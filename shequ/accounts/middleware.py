from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

SESSION_KEY = "shequ_active_assignment"


class ActiveScopeMiddleware:
    """Applies the scope switcher: a user with several assignments may narrow to one of them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            user.active_assignment_id = request.session.get(SESSION_KEY)
        return self.get_response(request)
