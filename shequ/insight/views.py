"""工作台: the figures of the user's scope (selectors.dashboard_figures), and "refresh now"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.accounts.landing import home_url
from shequ.accounts.roles import Perm
from shequ.accounts.scope import has_perm_anywhere
from shequ.accounts.typing import acting_user
from shequ.registry.models import ResidenceType
from shequ.registry.reveal_report import unread_alert_count
from shequ.workdays.selectors import calendar_warning_for

from . import counting, selectors, services


def _pyramid(age_bands: dict[str, int]) -> dict[str, Any]:
    """ECharts options: men to the left, women to the right, per ten-year band."""
    labels = [label for label, _low, _high in counting.PYRAMID]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": [_("Men"), _("Women")], "top": 0},
        "grid": {"left": 50, "right": 20, "top": 30, "bottom": 24},
        "absValues": True,
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": labels, "axisTick": {"show": False}},
        "series": [
            {
                "name": _("Men"),
                "type": "bar",
                "stack": "total",
                "data": [-age_bands.get(f"m{label}", 0) for label in labels],
                "itemStyle": {"color": "#3b82f6"},
            },
            {
                "name": _("Women"),
                "type": "bar",
                "stack": "total",
                "data": [age_bands.get(f"f{label}", 0) for label in labels],
                "itemStyle": {"color": "#e8676b"},
            },
        ],
    }


def _residence_pie(counts: dict[str, int]) -> dict[str, Any]:
    data = [
        {"name": str(label), "value": counts[value]}
        for value, label in ResidenceType.choices
        if counts.get(value)
    ]
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "legend": {"bottom": 0},
        "color": ["#c8372d", "#f59e0b", "#3b82f6", "#10b981"],
        "series": [
            {
                "type": "pie",
                "radius": ["42%", "70%"],
                "center": ["50%", "45%"],
                "data": data,
                "label": {"formatter": "{b}\n{c}"},
            }
        ],
    }


DASHBOARD_PERMS = (Perm.VIEW_RESIDENTS, Perm.VIEW_CASES, Perm.VIEW_PLACES)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    # Handlers, volunteers and residents have no area figures: the dashboard's links (breadcrumbs)
    # take them to their own work instead of three counts that mean nothing to them.
    if not any(has_perm_anywhere(request.user, p) for p in DASHBOARD_PERMS):
        home = home_url(request.user)
        if home != request.path:
            return redirect(home)
    figures = selectors.dashboard_figures(request.user)
    ctx: dict[str, Any] = {
        "f": figures,
        "as_of": timezone.localtime(figures.as_of) if figures.as_of else None,
        "can_refresh": figures.as_of is not None and selectors.can_refresh(request.user),
        "calendar_runs_out": calendar_warning_for(request.user, timezone.localdate()),
        "reveal_alerts_unread": unread_alert_count(request.user),
    }
    if figures.can_residents:
        ctx["pyramid"] = _pyramid(figures.age_bands)
        ctx["residence"] = _residence_pie(figures.residence_types)
    return render(request, "insight/dashboard.html", ctx)


@login_required
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    if not selectors.can_refresh(request.user):
        messages.error(request, _("You do not have permission to do this here."))
    else:
        done = services.refresh_figures(by=acting_user(request))
        messages.success(
            request,
            _("Figures refreshed: %(n)s communities in %(s).1f s.")
            % {"n": done.communities, "s": done.seconds},
        )
    return redirect("registry:dashboard")
