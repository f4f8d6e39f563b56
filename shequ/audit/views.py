"""审计日志: who revealed, exported, imported or changed accounts, within the viewer's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from shequ.accounts.decorators import perm_required
from shequ.accounts.roles import Perm
from shequ.core.inputs import Form
from shequ.core.pages import is_htmx, paginate

from .selectors import events_visible_to

# Actions as people read them; unknown actions show their code.
ACTION_LABELS = {
    "resident:reveal": _("Revealed ID/phone number"),
    "organization:reveal": _("Revealed an organisation's contact phone"),
    "resident:export": _("Exported residents"),
    "household:export": _("Exported households"),
    "building:export": _("Exported buildings"),
    "import:run": _("Imported residents"),
    "user:create": _("Created user"),
    "user:assign_role": _("Assigned role"),
    "user:remove_role": _("Removed role"),
    "user:lock": _("Account locked"),
    "user:unlock": _("Account unlocked"),
    "user:deactivate": _("Deactivated user"),
    "user:set_password": _("Set password"),
    "calendar:set": _("Changed a calendar day"),
    "calendar:clear": _("Removed a calendar day"),
}


def register_labels(labels: dict[str, Any]) -> None:
    """Apps above audit (cases, services, ...) name their own actions from their AppConfig.ready."""
    ACTION_LABELS.update(labels)


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
        "actions": [(a, ACTION_LABELS.get(a, a)) for a in actions],
        "labels": ACTION_LABELS,
        **paginate(request, qs, default=50),
    }
    for event in ctx["object_list"]:
        event.label = ACTION_LABELS.get(event.action, event.action)
    if is_htmx(request):
        return render(request, "audit/_table.html", ctx)
    return render(request, "audit/events.html", ctx)
