"""审计日志: who revealed, exported, imported or changed accounts, within the viewer's scope."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.accounts.decorators import perm_required
from shequ.accounts.roles import Perm
from shequ.audit import actions as audit_actions
from shequ.core.inputs import Form
from shequ.core.pages import is_htmx, paginate

from .selectors import events_visible_to


class AuditFilterForm(Form):
    action = forms.CharField(required=False, max_length=64)
    actor = forms.CharField(required=False, max_length=150)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)


@perm_required(Perm.VIEW_AUDIT)
def events(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    qs = events_visible_to(request.user)
    actions = sorted(set(qs.order_by().values_list("action", flat=True).distinct()))
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("actor"):
        qs = qs.filter(actor_name__icontains=data["actor"])
    if data.get("date_from"):
        qs = qs.filter(at__date__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(at__date__lt=data["date_to"] + dt.timedelta(days=1))
    ctx = {
        "form": form,
        "actions": [(a, audit_actions.label(a)) for a in actions],
        **paginate(request, qs, default=50),
    }
    for event in ctx["object_list"]:
        event.label = audit_actions.label(event.action)
    if is_htmx(request):
        return render(request, "auditlog/_table.html", ctx)
    return render(request, "auditlog/events.html", ctx)
