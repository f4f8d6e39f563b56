"""The reveal report: per worker, how many full numbers they opened, for what, and the days they
hit the limit; the limit alerts; the .xlsx export. For those who read the audit log (heads)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.accounts.decorators import perm_required
from shequ.accounts.roles import Perm
from shequ.accounts.typing import acting_user
from shequ.core.excel import xlsx_attachment
from shequ.core.http import client_ip
from shequ.core.inputs import Form

from .. import reveal_report, services
from ..actions import RegistryAction

DEFAULT_DAYS = 30


class PeriodForm(Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("to"), required=False)


def _period(request: HttpRequest) -> tuple[PeriodForm, dt.date, dt.date]:
    """The chosen days, the last 30 by default (today included)."""
    form = PeriodForm(request.GET)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    until = data.get("date_to") or timezone.localdate()
    since = data.get("date_from") or until - dt.timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        since, until = until, since
    return form, since, until


@perm_required(Perm.VIEW_AUDIT)
def reveal_list(request: HttpRequest) -> HttpResponse:
    form, since, until = _period(request)
    user = request.user
    ctx = {
        "form": form,
        "since": since,
        "until": until,
        "workers": reveal_report.worker_reveals(user, since=since, until=until),
        "purposes": reveal_report.purpose_columns(),
        "alerts": list(reveal_report.reveal_alerts_visible_to(user).select_related("user", "seen_by")[:50]),
        "unread": reveal_report.unread_alert_count(user),
        "reveal_action": RegistryAction.REVEAL.value,
    }
    return render(request, "registry/reveals.html", ctx)


@perm_required(Perm.VIEW_AUDIT)
def reveal_export(request: HttpRequest) -> HttpResponse:
    _form, since, until = _period(request)
    content = services.export_reveal_report(
        by=acting_user(request), since=since, until=until, ip_address=client_ip(request)
    )
    return xlsx_attachment(content, f"{_('Reveals')}-{since:%Y%m%d}-{until:%Y%m%d}.xlsx")


@perm_required(Perm.VIEW_AUDIT)
@require_POST
def reveal_alerts_read(request: HttpRequest) -> HttpResponse:
    seen = services.mark_reveal_alerts_read(by=acting_user(request))
    messages.success(request, _("%(n)d alerts marked as read.") % {"n": seen})
    return redirect("registry:reveals")
