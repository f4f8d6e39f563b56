"""The phone home of grid workers, grid and building leaders (DESIGN rule 9): big buttons for what
they do most, what waits on them with its light, and their grid. Later apps add their buttons
(visits, tasks) to `accounts.context_processors.FIELD_BUTTONS`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from shequ.accounts.context_processors import field_buttons
from shequ.accounts.scope import assignments_of
from shequ.cases import selectors as case_selectors
from shequ.cases.models import Light
from shequ.cases.views.cases import with_clock

PRESSING = 5  # cases shown on the home, the most pressing first


def _my_grid_url(user: Any) -> str | None:
    """The user's own grid: its page where one exists, else its residents."""
    assignments = assignments_of(user)
    grid_id = next((a.grid_id for a in assignments if a.grid_id), None)
    if grid_id is None:
        # Held at a micro-grid (a building leader): the residents list is already just theirs.
        return reverse("registry:residents") if any(a.micro_grid_id for a in assignments) else None
    try:
        return reverse("registry:grid_detail", args=[grid_id])
    except NoReverseMatch:
        return f"{reverse('registry:residents')}?grid={grid_id}"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    mine = case_selectors.my_cases(request.user)
    counts = {
        "overdue": mine.filter(case_selectors.light_q(Light.RED, now)).count(),
        "due_soon": mine.filter(case_selectors.light_q(Light.YELLOW, now)).count(),
        "all": mine.count(),
    }
    context = {
        "buttons": field_buttons(request.user, my_grid=_my_grid_url(request.user)),
        "counts": counts,
        "pressing": with_clock(mine[:PRESSING], now),
    }
    return render(request, "insight/field_home.html", context)
