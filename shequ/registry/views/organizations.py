"""An organisation's page (实有单位): its fields, the masked contact phone with the audited reveal,
its place and its change history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shequ.accounts.decorators import perm_required
from shequ.accounts.roles import Perm
from shequ.accounts.typing import acting_user
from shequ.core.errors import RuleError
from shequ.core.http import client_ip
from shequ.core.pages import add_rule_errors, is_htmx

from .. import selectors, services
from ..forms import RevealForm
from ..models import Organization


def _context(request: HttpRequest, org: Organization, **extra: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "org": org,
        "can_reveal": bool(org.contact_phone_cipher) and selectors.can(request.user, Perm.REVEAL_PII, org),
        "reveal_form": RevealForm(),
        "phone": None,
        "reveal_seconds": settings.SHEQU_REVEAL_SECONDS,
        "reveal_note_min": settings.SHEQU_REVEAL_NOTE_MIN_LENGTH,
    }
    ctx.update(extra)
    return ctx


@perm_required(Perm.VIEW_PLACES)
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.organization_get_for(request.user, pk)
    history = list(org.history.select_related("history_user").order_by("-history_date", "-history_id")[:30])
    return render(request, "registry/organizations/detail.html", _context(request, org, history=history))


@perm_required(Perm.REVEAL_PII)
@require_POST
def organization_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full contact phone for a purpose and a note, within the same limits as a resident's numbers."""
    org = selectors.organization_get_for(request.user, pk)
    form = RevealForm(request.POST)
    phone: str | None = None
    if form.is_valid():
        try:
            phone = services.reveal_contact_phone(
                org,
                by=acting_user(request),
                purpose=form.cleaned_data["purpose"],
                note=form.cleaned_data["note"],
                ip_address=client_ip(request),
            )
        except RuleError as exc:
            add_rule_errors(form, exc)
    ctx = _context(request, org, phone=phone, reveal_form=form, can_reveal=True)
    if is_htmx(request):
        return render(request, "registry/organizations/_phone.html", ctx)
    if phone is None:
        for e in form.errors.get("purpose", []) + form.errors.get("note", []) + form.non_field_errors():
            messages.error(request, str(e))
        return redirect("registry:organization_detail", pk=org.pk)
    history = list(org.history.select_related("history_user").order_by("-history_date", "-history_id")[:30])
    return render(request, "registry/organizations/detail.html", {**ctx, "history": history})
