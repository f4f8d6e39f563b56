"""案件统计 and 预警: the figures of the loop in the user's scope, the hot-spot warnings, and what is
due soon or overdue per community. Every figure comes from a grouped query in `selectors`, so the
pages cost the same number of queries however many communities, units or cases there are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.accounts.decorators import perm_required
from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_for
from shequ.accounts.typing import acting_user
from shequ.audit.services import record_event
from shequ.cases.actions import CaseAction
from shequ.core import codes
from shequ.core.errors import RuleError
from shequ.core.excel import xlsx_response
from shequ.core.http import client_ip
from shequ.core.pages import paginate, safe_next

from .. import selectors, services
from ..forms_setup import FIGURES_BY, PERIODS, FiguresFilterForm
from ..models import Case, CaseCategory

# --- the period and grouping asked for ---------------------------------------------------------


@dataclass(frozen=True)
class FigureParams:
    by: str
    period: str
    first: dt.date  # first day, inclusive
    last: dt.date  # last day, inclusive

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Local midnight of the first day and of the day after the last (reported_at in [a, b))."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.first, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start, end

    @property
    def label(self) -> str:
        return f"{date_format(self.first, 'Y-m-d')} – {date_format(self.last, 'Y-m-d')}"


def months_back(day: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


DEFAULT_PERIOD = "30days"


def figure_params(request: HttpRequest, *, warn: bool = True) -> tuple[FigureParams, FiguresFilterForm]:
    """Read ?period=30days|month|quarter|year|custom&date_from=&date_to=&by=; a bad value gets a
    message and the default (the last 30 days, by community) instead of an error."""
    today = timezone.localdate()
    form = FiguresFilterForm(request.GET or None, initial={"period": DEFAULT_PERIOD})
    period, by = DEFAULT_PERIOD, "community"
    if form.is_bound:
        valid = form.is_valid()
        by = form.cleaned_data.get("by") or by
        period = form.cleaned_data.get("period") or period
        if not valid and warn:
            messages.warning(request, _("Some filters could not be read and were left out."))
        if not valid and period == "custom":
            period = DEFAULT_PERIOD
    first, last = today.replace(day=1), today
    if period == "30days":  # today and the 29 days before it
        first = today - dt.timedelta(days=29)
    elif period == "quarter":  # this month and the two before it
        first = months_back(today, 2)
    elif period == "year":
        first = today.replace(month=1, day=1)
    elif period == "custom":
        first, last = form.cleaned_data["date_from"], form.cleaned_data.get("date_to") or today
    return FigureParams(by=by, period=period, first=first, last=last), form


def cases_in_period(user: Any, params: FigureParams) -> QuerySet[Case]:
    start, end = params.bounds()
    return selectors.cases_visible_to(user).filter(reported_at__gte=start, reported_at__lt=end)


def figure_rows(user: Any, params: FigureParams) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    cases = cases_in_period(user, params)
    now = timezone.now()
    rows = selectors.case_figures(cases, by=params.by, now=now)
    if params.by == "unit":
        for row in rows:
            if row["key"] is None:
                row["name"] = _("Not sent to a unit yet")
    return rows, selectors.case_figure_totals(cases, now=now)


# --- charts (ECharts options, drawn by shequ.js) ------------------------------------------------


def monthly_chart(cases: QuerySet[Case], params: FigureParams) -> dict[str, Any]:
    """Reported and resolved per month over the period; months without cases show as zero."""
    today = timezone.localdate()
    months = (today.year - params.first.year) * 12 + today.month - params.first.month + 1
    counts = {r["month"]: r for r in selectors.monthly_counts(cases, months=max(months, 1))}
    labels: list[str] = []
    day = params.first.replace(day=1)
    while day <= params.last:
        labels.append(day.strftime("%Y-%m"))
        day = months_back(day, -1)
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [_("Reported"), _("Resolved")], "top": 0},
        "grid": {"left": 40, "right": 16, "top": 32, "bottom": 28},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": _("Reported"),
                "type": "bar",
                "data": [counts.get(m, {}).get("reported", 0) for m in labels],
                "itemStyle": {"color": "#3b82f6"},
            },
            {
                "name": _("Resolved"),
                "type": "bar",
                "data": [counts.get(m, {}).get("resolved", 0) for m in labels],
                "itemStyle": {"color": "#10b981"},
            },
        ],
    }


def rates_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """On-time and satisfaction rate per row; a rate with nothing to divide by is left out (a gap)."""
    names = [str(r["name"]) for r in rows]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [_("On-time rate"), _("Satisfaction rate")], "top": 0},
        "grid": {"left": 44, "right": 16, "top": 32, "bottom": 70 if len(rows) > 6 else 28},
        "xAxis": {
            "type": "category",
            "data": names,
            "axisLabel": {"interval": 0, "rotate": 30 if len(rows) > 6 else 0},
        },
        "yAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [
            {
                "name": _("On-time rate"),
                "type": "bar",
                "data": [r["on_time_rate"] for r in rows],
                "itemStyle": {"color": "#f59e0b"},
            },
            {
                "name": _("Satisfaction rate"),
                "type": "bar",
                "data": [r["satisfaction_rate"] for r in rows],
                "itemStyle": {"color": "#c8372d"},
            },
        ],
    }


GROUP_COLUMN = {
    "community": gettext_lazy("Community"),
    "unit": gettext_lazy("Handler unit"),
    "category": gettext_lazy("Category"),
}


# --- pages --------------------------------------------------------------------------------------


@perm_required(Perm.VIEW_CASES)
def figures(request: HttpRequest) -> HttpResponse:
    params, form = figure_params(request)
    rows, total = figure_rows(request.user, params)
    if params.by == "category" and codes.english_pages():  # the export keeps the Chinese names
        english = dict(CaseCategory.objects.exclude(name_en="").values_list("pk", "name_en"))
        for row in rows:
            row["name"] = english.get(row["key"], row["name"])
    return render(
        request,
        "cases/figures.html",
        {
            "form": form,
            "params": params,
            "periods": PERIODS,
            "groups": FIGURES_BY,
            "group_label": GROUP_COLUMN[params.by],
            "rows": rows,
            "total": total,
            "monthly": monthly_chart(cases_in_period(request.user, params), params),
            "rates": rates_chart(rows),
        },
    )


FIGURE_COLUMNS = (
    ("reported", gettext_lazy("Reported")),
    ("accepted", gettext_lazy("Accepted")),
    ("resolved", gettext_lazy("Resolved")),
    ("on_time_rate", gettext_lazy("On-time rate (%)")),
    ("avg_handling_hours", gettext_lazy("Average handling time (working hours)")),
    ("satisfaction_rate", gettext_lazy("Satisfaction rate (%)")),
    ("reopen_rate", gettext_lazy("Reopen rate (%)")),
    ("overdue_now", gettext_lazy("Overdue now")),
    ("open", gettext_lazy("Open cases")),
)


@perm_required(Perm.VIEW_CASES)
def figures_export(request: HttpRequest) -> HttpResponse:
    """The table on screen as .xlsx, with the total row last; the export is audited."""
    params, _form = figure_params(request, warn=False)
    rows, total = figure_rows(request.user, params)
    headers = [str(GROUP_COLUMN[params.by]), *(str(label) for _key, label in FIGURE_COLUMNS)]

    def line(name: Any, row: dict[str, Any]) -> list[Any]:
        return [str(name), *("—" if row[key] is None else row[key] for key, _label in FIGURE_COLUMNS)]

    body = [line(r["name"], r) for r in rows] + [line(_("Total"), total)]
    record_event(
        actor=request.user,
        action=CaseAction.EXPORT_FIGURES,
        area_path=scope_for(request.user, Perm.VIEW_CASES).common_path,
        ip_address=client_ip(request),
        extra={
            "by": params.by,
            "from": params.first.isoformat(),
            "to": params.last.isoformat(),
            "rows": len(rows),
        },
    )
    return xlsx_response(_("case-figures"), headers, body, title=_("Case figures"))


# --- warnings -----------------------------------------------------------------------------------

WARNING_TABS = ("open", "acknowledged")


@perm_required(Perm.VIEW_CASES)
def warnings(request: HttpRequest) -> HttpResponse:
    user = request.user
    tab = request.GET.get("tab") if request.GET.get("tab") in WARNING_TABS else "open"
    every = selectors.warnings_visible_to(user, open_only=False)
    counts = every.order_by().aggregate(
        open=Count("id", filter=Q(acknowledged_at=None)),
        acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
    )
    if tab == "open":
        qs = selectors.warnings_visible_to(user).order_by("-updated_at", "-id")
    else:
        qs = every.exclude(acknowledged_at=None).select_related("acknowledged_by")
        qs = qs.order_by("-acknowledged_at", "-id")
    ctx = paginate(request, qs)
    manage = scope_for(user, Perm.MANAGE_CASES)
    for warning in ctx["object_list"]:
        warning.can_acknowledge = tab == "open" and manage.covers(warning.area_path)
    lights = selectors.lights_by_community(selectors.cases_visible_to(user))
    return render(
        request,
        "cases/warnings.html",
        {
            "tab": tab,
            "counts": counts,
            "lights": lights,
            "lights_total": {k: sum(r[k] for r in lights) for k in ("open", "yellow", "red")},
            **ctx,
        },
    )


@require_POST
@perm_required(Perm.VIEW_CASES)
def warning_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(selectors.warnings_visible_to(request.user, open_only=False), pk=pk)
    try:
        services.acknowledge_warning(warning, by=acting_user(request))
    except RuleError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Warning acknowledged: %(category)s at %(place)s.")
            % {"category": warning.category.display_name, "place": warning.building or warning.grid or "—"},
        )
    return redirect(safe_next(request, reverse("cases:warnings")))
