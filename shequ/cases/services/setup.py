"""Configuration a county admin changes: the category tree and its limits, handler units and their
members, Open311 client keys (DESIGN rule 8: figures are rows, not constants)."""

from __future__ import annotations

import hashlib
import secrets
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.permissions import require
from shequ.accounts.roles import Perm
from shequ.accounts.typing import Actor, person
from shequ.audit.services import record_event
from shequ.cases.actions import CaseAction
from shequ.core.errors import RuleError
from shequ.places.models import Area

from ..models import CaseCategory, HandlerUnit, Open311Client, UnitMember

LIMIT_FIELDS = ("accept_hours", "dispatch_hours", "handle_hours", "verify_hours")


def _check_limits(values: dict[str, Any]) -> None:
    errors = {}
    for field in LIMIT_FIELDS:
        if field in values and values[field] is not None:
            try:
                hours = Decimal(str(values[field]))
            except ArithmeticError:
                hours = Decimal(-1)
            if not (Decimal("0.5") <= hours <= Decimal(2000)):
                errors[field] = [_("Between 0.5 and 2,000 working hours.")]
    if errors:
        raise RuleError("invalid", _("Please correct the marked fields."), fields=errors)


@transaction.atomic
def save_category(*, by: Actor, category: CaseCategory | None = None, **values: Any) -> CaseCategory:
    """Create or change a category. A new sub-category takes its parent's limits and unit unless given."""
    require(by, Perm.CONFIGURE)
    parent = values.get("parent", category.parent if category else None)
    if category is None and parent is not None:
        for field in (*LIMIT_FIELDS, "default_unit"):
            if values.get(field) is None:
                values[field] = getattr(parent, field)
    _check_limits(values)
    if parent is not None and category is not None:
        node: CaseCategory | None = parent
        while node is not None:
            if node.pk == category.pk:
                raise RuleError("invalid", _("A category cannot be placed under itself."))
            node = node.parent
    if category is None:
        missing = [f for f in ("code", "name", *LIMIT_FIELDS) if values.get(f) in (None, "")]
        if missing:
            raise RuleError(
                "invalid",
                _("Please correct the marked fields."),
                fields={f: [_("This field is required.")] for f in missing},
            )
        if CaseCategory.objects.filter(code=values["code"]).exists():
            raise RuleError(
                "duplicate", _("This code is taken."), fields={"code": [_("This code is taken.")]}
            )
        category = CaseCategory(**values)
    else:
        for key, value in values.items():
            setattr(category, key, value)
    category._history_user = person(by)  # type: ignore[attr-defined]
    category.save()
    record_event(actor=by, action=CaseAction.SAVE_CATEGORY, target=category, area_path="")
    return category


@transaction.atomic
def save_unit(
    *,
    by: Actor,
    name: str,
    kind: str,
    area: Area,
    phone: str = "",
    active: bool = True,
    unit: HandlerUnit | None = None,
) -> HandlerUnit:
    require(by, Perm.CONFIGURE, area.path)
    name = (name or "").strip()
    if not name:
        raise RuleError(
            "invalid", _("Give the unit a name."), fields={"name": [_("This field is required.")]}
        )
    clash = HandlerUnit.objects.filter(area=area, name=name)
    if unit is not None:
        clash = clash.exclude(pk=unit.pk)
    if clash.exists():
        raise RuleError(
            "duplicate",
            _("A unit of this name already serves this area."),
            fields={"name": [_("This name is taken.")]},
        )
    unit = unit or HandlerUnit()
    unit.name, unit.kind, unit.area, unit.area_path, unit.phone, unit.active = (
        name,
        kind,
        area,
        area.path,
        phone,
        active,
    )
    unit._history_user = person(by)  # type: ignore[attr-defined]
    unit.save()
    record_event(actor=by, action=CaseAction.SAVE_UNIT, target=unit)
    return unit


@transaction.atomic
def add_unit_member(*, by: Actor, unit: HandlerUnit, user: Any, is_lead: bool = False) -> UnitMember:
    require(by, Perm.CONFIGURE, unit.area_path)
    member, _created = UnitMember.objects.update_or_create(
        unit=unit, user=user, defaults={"is_lead": is_lead}
    )
    record_event(actor=by, action=CaseAction.ADD_UNIT_MEMBER, target=unit, extra={"user": user.username})
    return member


@transaction.atomic
def remove_unit_member(*, by: Actor, unit: HandlerUnit, user: Any) -> None:
    require(by, Perm.CONFIGURE, unit.area_path)
    UnitMember.objects.filter(unit=unit, user=user).delete()
    record_event(actor=by, action=CaseAction.REMOVE_UNIT_MEMBER, target=unit, extra={"user": user.username})


def key_digest(key: str) -> str:
    # Keys are long random strings, so a plain SHA-256 is enough to make a stored digest useless.
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_open311_key(*, by: Actor, name: str) -> tuple[Open311Client, str]:
    """A new client with a fresh key. The key is shown once; only its digest is stored."""
    require(by, Perm.CONFIGURE)
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise RuleError("invalid", _("Give the client a name of at most 64 characters."))
    if Open311Client.objects.filter(name=name).exists():
        raise RuleError("duplicate", _("A client of this name exists already."))
    key = secrets.token_urlsafe(32)
    client = Open311Client.objects.create(name=name, key_prefix=key[:8], key_digest=key_digest(key))
    record_event(actor=by, action=CaseAction.CREATE_OPEN311_CLIENT, target=client)
    return client, key


@transaction.atomic
def deactivate_open311_client(client: Open311Client, *, by: Actor) -> Open311Client:
    """Switch a client off: its key stops working at once. The row stays for the cases it sent."""
    require(by, Perm.CONFIGURE)
    client = Open311Client.objects.select_for_update().get(pk=client.pk)
    if not client.active:
        raise RuleError("inactive", _("This client is already switched off."))
    client.active = False
    client.save(update_fields=["active", "updated_at"])
    record_event(actor=by, action=CaseAction.DEACTIVATE_OPEN311_CLIENT, target=client)
    return client


def client_for_key(key: str | None) -> Open311Client | None:
    if not key:
        return None
    return Open311Client.objects.filter(key_digest=key_digest(key), active=True).first()


def use_open311_key(key: str | None) -> Open311Client | None:
    """The active client a key belongs to, noting when the key was last used (shown to admins)."""
    client = client_for_key(key)
    if client is not None:
        client.last_used_at = timezone.now()
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=client.last_used_at)
    return client
