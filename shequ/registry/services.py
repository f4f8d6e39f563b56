"""The verbs of the registry. Every write a page, the API, a command or a job can cause.

Each checks permission and scope, writes in one transaction, keeps history with a reason,
and audits reveals. Nothing here deletes a resident: life events change status instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from shequ.accounts.models import RoleAssignment, User
from shequ.accounts.permissions import is_system, require
from shequ.accounts.roles import Perm, Role
from shequ.accounts.scope import scope_for
from shequ.accounts.typing import Actor, person
from shequ.audit.services import record_event
from shequ.core import excel, sealed
from shequ.core.batch import BatchReport, run_each
from shequ.core.errors import RuleError
from shequ.core.parsing import is_valid_phone, normalize_phone
from shequ.core.pinyin import name_keys
from shequ.places import geo
from shequ.places.models import Area, AreaLevel, Grid, MicroGrid
from shequ.registry.actions import RegistryAction

from . import namegrams, pii, reveal_report, reveal_rules
from .models import (
    Building,
    Dwelling,
    DwellingUse,
    Household,
    HouseholdStatus,
    LifeEvent,
    LifeEventKind,
    Organization,
    Resident,
    ResidentStatus,
    ResidentTag,
    RevealAlert,
    TagType,
)
from .validation import clean_resident, is_valid_credit_code

_T = TypeVar("_T")


def _as(obj: Any, by: Actor) -> Any:
    """Name `by` as the author of the history row the next save writes (outside a request too)."""
    if getattr(by, "pk", None):
        obj._history_user = by
    return obj


def placement(*, community: Area, grid: Grid | None = None, micro_grid: MicroGrid | None = None) -> str:
    if micro_grid is not None:
        return micro_grid.path
    if grid is not None:
        return grid.path
    return community.path


# --- places -----------------------------------------------------------------------------------


@transaction.atomic
def create_area(*, code: str, name: str, level: str, parent: Area | None, by: Actor, **extra: Any) -> Area:
    if len(code) != 12 or not code.isdigit():
        raise RuleError(
            "invalid_code", _("A division code has 12 digits."), fields={"code": [_("12 digits.")]}
        )
    require(by, Perm.CHANGE_REGISTRY, parent.path if parent else None)
    area = Area(code=code, name=name, level=level, parent=parent, path=Area.path_for(code, level), **extra)
    area.full_name = (
        f"{parent.full_name or parent.name}{name}" if parent and level != AreaLevel.DISTRICT else name
    )
    if area.boundary:
        geo.to_shape(area.boundary)
    _as(area, by).save()
    record_event(actor=by, action=RegistryAction.CREATE_AREA, target=area)
    return area


def _sibling_boundaries(community: Area, exclude_pk: int | None = None) -> list[dict[str, Any]]:
    qs = Grid.objects.filter(community=community, end_date__isnull=True).exclude(boundary=None)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return [g for g in qs.values_list("boundary", flat=True) if g]


@transaction.atomic
def create_grid(
    *,
    community: Area,
    sequence: int,
    name: str,
    boundary: dict[str, Any] | None = None,
    by: Actor,
    check_overlap: bool = True,
    **extra: Any,
) -> Grid:
    """A grid numbered within its community; its boundary must sit inside the community's and
    not overlap its sibling grids (grids have no gaps or overlaps, CJ/T 213)."""
    require(by, Perm.CHANGE_REGISTRY, community.path)
    if community.level != AreaLevel.COMMUNITY:
        raise RuleError("not_a_community", _("Grids belong to a community."))
    if not 1 <= sequence <= 999:
        raise RuleError(
            "invalid_code", _("The grid number is 1 to 999."), fields={"sequence": [_("1 to 999.")]}
        )
    if boundary:
        geo.check_boundary(
            boundary,
            parent=community.boundary,
            siblings=_sibling_boundaries(community) if check_overlap else [],
        )
    code = f"{community.code}{sequence:03d}"
    grid = Grid(
        code=code,
        name=name,
        community=community,
        path=f"{community.path}.{sequence:03d}",
        boundary=boundary,
        **extra,
    )
    _as(grid, by).save()
    record_event(actor=by, action=RegistryAction.CREATE_GRID, target=grid)
    return grid


@transaction.atomic
def change_grid_boundary(grid: Grid, *, boundary: dict[str, Any] | None, by: Actor, reason: str = "") -> Grid:
    require(by, Perm.CHANGE_REGISTRY, grid.path)
    geo.check_boundary(
        boundary, parent=grid.community.boundary, siblings=_sibling_boundaries(grid.community, grid.pk)
    )
    grid.boundary = boundary
    grid._change_reason = reason  # type: ignore[attr-defined]
    _as(grid, by).save()
    record_event(actor=by, action=RegistryAction.CHANGE_GRID_BOUNDARY, target=grid, reason=reason)
    return grid


@transaction.atomic
def create_micro_grid(
    *,
    grid: Grid,
    sequence: int,
    name: str,
    boundary: dict[str, Any] | None = None,
    by: Actor,
    **extra: Any,
) -> MicroGrid:
    require(by, Perm.CHANGE_REGISTRY, grid.path)
    if boundary:
        geo.check_boundary(
            boundary,
            parent=grid.boundary,
            siblings=list(
                MicroGrid.objects.filter(grid=grid).exclude(boundary=None).values_list("boundary", flat=True)
            ),
        )
    micro = MicroGrid(
        code=f"{grid.code}{sequence:03d}",
        name=name,
        grid=grid,
        path=f"{grid.path}.{sequence:03d}",
        boundary=boundary,
        **extra,
    )
    _as(micro, by).save()
    record_event(actor=by, action=RegistryAction.CREATE_MICRO_GRID, target=micro)
    return micro


@transaction.atomic
def create_building(
    *,
    community: Area,
    name: str,
    address: str,
    grid: Grid | None = None,
    micro_grid: MicroGrid | None = None,
    by: Actor,
    **extra: Any,
) -> Building:
    """Buildings are numbered 00001–99999 within their community (DB6101/T 3185)."""
    path = placement(community=community, grid=grid, micro_grid=micro_grid)
    require(by, Perm.CHANGE_REGISTRY, path)
    Area.objects.select_for_update().filter(pk=community.pk).first()  # serialise numbering per community
    last = (
        Building.objects.filter(community=community).order_by("-code").values_list("code", flat=True).first()
    )
    seq = int(last[-5:]) + 1 if last else 1
    if seq > 99999:
        raise RuleError("too_many_buildings", _("The community has no building numbers left."))
    if micro_grid is not None and grid is None:
        grid = micro_grid.grid
    building = Building(
        code=f"{community.code}{seq:05d}",
        name=name,
        address=address,
        community=community,
        grid=grid,
        micro_grid=micro_grid,
        area_path=path,
        **extra,
    )
    _as(building, by).save()
    record_event(actor=by, action=RegistryAction.CREATE_BUILDING, target=building)
    return building


@transaction.atomic
def create_organization(
    *,
    community: Area,
    name: str,
    by: Actor,
    grid: Grid | None = None,
    building: Building | None = None,
    contact_phone: str = "",
    **fields: Any,
) -> Organization:
    """Register a unit (实有单位) where it is: in its building when given, else its grid or community.
    The credit code is checked (GB 32100); the contact phone is stored sealed, as residents' numbers are."""
    name = (name or "").strip()
    errors: dict[str, list[Any]] = {}
    if not name:
        errors["name"] = [_("Name is required.")]
    credit_code = (fields.get("credit_code") or "").strip().upper()
    if credit_code and not is_valid_credit_code(credit_code):
        errors["credit_code"] = [
            _("Not a unified social credit code (18 characters with its check character).")
        ]
    phone = normalize_phone(contact_phone)
    if phone and not is_valid_phone(phone):
        errors["contact_phone"] = [
            _("Phone number is not valid (11-digit mobile or landline such as 0579-87654321).")
        ]
    if building is not None:
        if building.community_id != community.pk:
            errors["building"] = [_("This place is not in the community.")]
        grid = building.grid or grid
    if grid is not None and grid.community_id != community.pk:
        errors["grid"] = [_("This place is not in the community.")]
    if errors:
        raise RuleError("invalid", _("The data is not valid."), fields=errors)
    path = building.area_path if building is not None else (grid.path if grid else community.path)
    require(by, Perm.CHANGE_REGISTRY, path)
    org = Organization(name=name, community=community, grid=grid, building=building, area_path=path, **fields)
    org.credit_code = credit_code
    if not org.address and building is not None:
        org.address = building.address
    if phone:
        sealed.assign(org, "contact_phone", sealed.seal_for(Organization, "contact_phone", phone))
    org._change_reason = _("Registered")  # type: ignore[attr-defined]
    _as(org, by).save()
    record_event(actor=by, action=RegistryAction.CREATE_ORGANIZATION, target=org, area_path=path)
    return org


def get_or_create_dwelling(
    *,
    building: Building,
    unit: str,
    room: str,
    floor: int | None = None,
    use: str = DwellingUse.OWNER_OCCUPIED,
) -> tuple[Dwelling, bool]:
    if floor is None:
        digits = "".join(c for c in room if c.isdecimal())  # '¹' is a digit int() refuses
        floor = int(digits[:-2]) if len(digits) >= 3 else 1
    return Dwelling.objects.get_or_create(
        building=building,
        unit=unit,
        room=room,
        defaults={"floor": floor, "use": use, "area_path": building.area_path},
    )


# --- people -----------------------------------------------------------------------------------


def _apply(resident: Resident, data: dict[str, Any]) -> list[str]:
    """Copy cleaned fields onto the row; returns the names of fields that changed."""
    changed: list[str] = []
    for name, value in data.items():
        if name == "id_number":
            digest = pii.id_digest(value) if value else ""
            if value and digest != resident.id_number_digest:
                pii.set_id_number(resident, value, digest=digest)
                changed.append(name)
            elif not value and resident.id_number_digest:
                pii.set_id_number(resident, "")
                changed.append(name)
        elif name == "phone":
            digest = pii.phone_digest(value) if value else ""
            if digest != resident.phone_digest:
                pii.set_phone(resident, value, digest=digest)
                changed.append(name)
        elif name == "tags":
            continue
        elif getattr(resident, name) != value:
            setattr(resident, name, value)
            changed.append(name)
    if "name" in changed:
        resident.name_pinyin, resident.name_initials = name_keys(resident.name)
    return changed


class IdNumberTaken(RuleError):
    """The number belongs to another resident; `_audits_id_conflicts` turns it into the answer."""

    def __init__(self, digest: str) -> None:
        super().__init__("id_number_unavailable", _("This ID number cannot be used here."))
        self.digest = digest


def _duplicate_id(resident: Resident) -> RuleError:
    return IdNumberTaken(resident.id_number_digest)


def _audits_id_conflicts(service: Callable[..., _T]) -> Callable[..., _T]:
    """An ID number held by another resident gets one answer, "cannot be used here", so creating
    residents cannot test where in the county a number is registered. Those who may reveal the
    other resident's numbers are told where; every attempt is audited against that resident (in
    its area, so its community sees it). Outside the service's transaction, which rolls back."""

    @functools.wraps(service)
    def wrapper(*args: Any, by: Actor, **kwargs: Any) -> _T:
        try:
            return service(*args, by=by, **kwargs)
        except IdNumberTaken as exc:
            holder = (
                Resident.objects.filter(id_number_digest=exc.digest)
                .select_related("community", "grid")
                .first()
            )
            message = _("This ID number cannot be used here.")
            if holder is not None:
                record_event(
                    actor=by,
                    action=RegistryAction.ID_CONFLICT,
                    target=holder,
                    reason=_("The ID number was entered for another resident."),
                )
                if is_system(by) or scope_for(by, Perm.REVEAL_PII).covers(holder.area_path):
                    place = " · ".join(p.name for p in (holder.community, holder.grid) if p is not None)
                    message = _(
                        "This ID number cannot be used here: it belongs to %(name)s in %(place)s."
                    ) % {
                        "name": holder.name,
                        "place": place,
                    }
            raise RuleError("id_number_unavailable", message, fields={"id_number": [message]}) from exc

    return wrapper


def _check_unique_id(resident: Resident) -> None:
    if (
        resident.id_number_digest
        and Resident.objects.filter(id_number_digest=resident.id_number_digest)
        .exclude(pk=resident.pk)
        .exists()
    ):
        raise _duplicate_id(resident)


def _save_resident(resident: Resident, by: Actor) -> None:
    """Save; the same number registered at the same moment by someone else is a duplicate, not a 500."""
    try:
        with transaction.atomic():
            _as(resident, by).save()
    except IntegrityError as exc:
        if (
            resident.id_number_digest
            and Resident.objects.filter(id_number_digest=resident.id_number_digest)
            .exclude(pk=resident.pk)
            .exists()
        ):
            raise _duplicate_id(resident) from exc
        raise


@_audits_id_conflicts
@transaction.atomic
def register_resident(
    *,
    by: Actor,
    community: Area,
    fields: dict[str, Any],
    grid: Grid | None = None,
    micro_grid: MicroGrid | None = None,
    household: Household | None = None,
    dwelling: Dwelling | None = None,
    reason: str = "",
) -> Resident:
    """Add a person to the actual population of a community, validated as the import validates."""
    cleaned = clean_resident(fields)
    if cleaned.errors:
        raise RuleError("invalid", _("The data is not valid."), fields=cleaned.errors)
    if dwelling is not None and grid is None:
        grid, micro_grid = dwelling.building.grid, dwelling.building.micro_grid
    path = placement(community=community, grid=grid, micro_grid=micro_grid)
    require(by, Perm.CHANGE_REGISTRY, path)
    resident = Resident(
        community=community,
        grid=grid,
        micro_grid=micro_grid,
        household=household,
        dwelling=dwelling or (household.dwelling if household else None),
        area_path=path,
    )
    _apply(resident, cleaned.data)
    _check_unique_id(resident)
    resident._change_reason = reason or _("Registered")  # type: ignore[attr-defined]
    _save_resident(resident, by)
    namegrams.insert([(resident.pk, resident.name)])
    record_event(actor=by, action=RegistryAction.REGISTER_RESIDENT, target=resident, reason=reason)
    return resident


@_audits_id_conflicts
@transaction.atomic
def update_resident(resident: Resident, *, by: Actor, fields: dict[str, Any], reason: str = "") -> list[str]:
    """Change a resident's own fields; history keeps the old values, who and why."""
    require(by, Perm.CHANGE_REGISTRY, resident.area_path)
    cleaned = clean_resident(fields, partial=True)
    if cleaned.errors:
        raise RuleError("invalid", _("The data is not valid."), fields=cleaned.errors)
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    changed = _apply(resident, cleaned.data)
    if changed:
        _check_unique_id(resident)
        resident._change_reason = reason  # type: ignore[attr-defined]
        _save_resident(resident, by)
    if "name" in changed:
        namegrams.replace([(resident.pk, resident.name)])
    if changed:  # the field names only: the values (ID and phone numbers among them) stay in history
        record_event(
            actor=by,
            action=RegistryAction.UPDATE_RESIDENT,
            target=resident,
            reason=reason,
            extra={"fields": changed},
        )
    return changed


def _gate_reveal(
    target: Resident | Organization,
    *,
    by: Actor,
    action: RegistryAction,
    purpose: str,
    note: str,
    ip_address: str | None,
) -> None:
    """The one rule for showing a sealed number in full: reveal_pii where the record is, a purpose
    from the list and a note, a free slot under the per-user limits, an audit record."""
    reason = reveal_rules.reason_for(purpose=purpose, note=note)
    require(by, Perm.REVEAL_PII, target.area_path)
    with transaction.atomic():
        refused = reveal_rules.take_slot(by, ip_address=ip_address)
        if refused is None:
            record_event(
                actor=by,
                action=action,
                target=target,
                reason=reason,
                extra={"purpose": purpose},
                ip_address=ip_address,
            )
    if refused is not None:
        raise refused  # after the commit: the alert and its audit event stay


def reveal_pii(
    resident: Resident, *, by: Actor, purpose: str, note: str, ip_address: str | None = None
) -> dict[str, str]:
    """Show a resident's ID and phone numbers in full (PIPL art. 6 "minimum necessary";
    GB/T 35273), under `_gate_reveal`."""
    _gate_reveal(
        resident, by=by, action=RegistryAction.REVEAL, purpose=purpose, note=note, ip_address=ip_address
    )
    return {"id_number": pii.plaintext_id_number(resident), "phone": pii.plaintext_phone(resident)}


def reveal_contact_phone(
    organization: Organization, *, by: Actor, purpose: str, note: str, ip_address: str | None = None
) -> str:
    """Show an organisation's contact phone in full, under the same rule as residents' numbers."""
    _gate_reveal(
        organization,
        by=by,
        action=RegistryAction.REVEAL_CONTACT_PHONE,
        purpose=purpose,
        note=note,
        ip_address=ip_address,
    )
    return sealed.reveal(organization, "contact_phone")


@transaction.atomic
def mark_reveal_alerts_read(*, by: Actor) -> int:
    """A head has read the reveal limit alerts of their scope: the dashboard stops counting them."""
    scope = scope_for(by, Perm.VIEW_AUDIT)
    if scope.empty:
        raise RuleError("forbidden", _("You do not have permission to do this here."))
    seen = RevealAlert.objects.filter(scope.q("area_path"), seen_at__isnull=True).update(
        seen_at=timezone.now(), seen_by=person(by)
    )
    if seen:
        record_event(
            actor=by,
            action=RegistryAction.READ_REVEAL_ALERTS,
            area_path=scope.common_path,
            extra={"alerts": seen},
        )
    return seen


def export_reveal_report(
    *, by: Actor, since: dt.date, until: dt.date, ip_address: str | None = None
) -> bytes:
    """The reveal report as .xlsx, written as text (core.excel); the export is audited where the
    viewer's scope is, so the heads above see it."""
    scope = reveal_report.report_scope(by)
    if scope.empty:
        raise RuleError("forbidden", _("You do not have permission to do this here."))
    buffer = io.BytesIO()
    count = excel.write_xlsx(
        buffer,
        reveal_report.report_headers(),
        reveal_report.report_rows(by, since=since, until=until),
        title=_("Reveals"),
    )
    record_event(
        actor=by,
        action=RegistryAction.EXPORT_REVEAL_REPORT,
        area_path=scope.common_path,
        extra={"since": since.isoformat(), "until": until.isoformat(), "rows": count},
        ip_address=ip_address,
    )
    return buffer.getvalue()


def _life_event(
    resident: Resident, *, kind: str, date: dt.date, by: Actor, detail: str = "", note: str = ""
) -> LifeEvent:
    return LifeEvent.objects.create(
        resident=resident,
        kind=kind,
        date=date,
        detail=detail,
        note=note,
        recorded_by=person(by),
        area_path=resident.area_path,
    )


@transaction.atomic
def record_life_event(
    resident: Resident,
    *,
    kind: str,
    date: dt.date,
    by: Actor,
    note: str = "",
    household: Household | None = None,
    dwelling: Dwelling | None = None,
) -> LifeEvent:
    """Move in, move out, birth, death or change of household: status changes, nothing is deleted."""
    require(by, Perm.CHANGE_REGISTRY, resident.area_path)
    if date > timezone.localdate():
        raise RuleError(
            "future_date", _("The date cannot be in the future."), fields={"date": [_("In the future.")]}
        )
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    detail = ""
    if resident.status == ResidentStatus.DECEASED:
        raise RuleError("deceased", _("This resident is recorded as deceased."))
    if kind == LifeEventKind.DEATH:
        resident.status = ResidentStatus.DECEASED
    elif kind == LifeEventKind.MOVE_OUT:
        if resident.status != ResidentStatus.ACTIVE:
            raise RuleError("not_active", _("This resident has already moved out."))
        resident.status = ResidentStatus.MOVED_OUT
    elif kind in (LifeEventKind.MOVE_IN, LifeEventKind.CHANGE_HOUSEHOLD, LifeEventKind.BIRTH):
        if kind == LifeEventKind.CHANGE_HOUSEHOLD and household is None:
            raise RuleError(
                "household_required", _("Choose the new household."), fields={"household": [_("Required.")]}
            )
        if household is not None:
            require(by, Perm.CHANGE_REGISTRY, household.area_path)
            detail = _("Household %(old)s → %(new)s") % {"old": resident.household or "-", "new": household}
            resident.household = household
            resident.dwelling = dwelling or household.dwelling or resident.dwelling
        elif dwelling is not None:
            require(by, Perm.CHANGE_REGISTRY, dwelling.area_path)
            resident.dwelling = dwelling
        if resident.dwelling is not None:
            b = resident.dwelling.building
            resident.community, resident.grid, resident.micro_grid = b.community, b.grid, b.micro_grid
            resident.area_path = b.area_path
        resident.status = ResidentStatus.ACTIVE
    else:
        raise RuleError("invalid", _("Unknown life event."), fields={"kind": [_("Unknown.")]})
    resident._change_reason = str(LifeEventKind(kind).label)  # type: ignore[attr-defined]
    _as(resident, by).save()
    # Tag links carry the resident's path for scoping: they move with the resident.
    ResidentTag.objects.filter(resident=resident).exclude(area_path=resident.area_path).update(
        area_path=resident.area_path
    )
    event = _life_event(resident, kind=kind, date=date, by=by, detail=detail, note=note)
    record_event(
        actor=by,
        action=RegistryAction.RECORD_LIFE_EVENT,
        target=resident,
        reason=note,
        extra={"kind": kind, "date": date.isoformat()},
    )
    return event


@transaction.atomic
def add_tag(
    resident: Resident,
    *,
    tag: TagType,
    by: Actor,
    since: dt.date | None = None,
    note: str = "",
    disability_category: str = "",
    disability_grade: str = "",
) -> ResidentTag:
    require(by, Perm.CHANGE_REGISTRY, resident.area_path)
    if tag.restricted:
        require(by, Perm.VIEW_KEY_POPULATIONS, resident.area_path)
    link = ResidentTag.objects.filter(resident=resident, tag=tag).first()
    if link is None:
        link = ResidentTag(
            resident=resident,
            tag=tag,
            since=since,
            note=note,
            area_path=resident.area_path,
            disability_category=disability_category,
            disability_grade=disability_grade,
        )
        try:
            with transaction.atomic():
                _as(link, by).save()
        except IntegrityError:  # added at the same moment by someone else: theirs stands
            link = ResidentTag.objects.get(resident=resident, tag=tag)
    elif note or since:
        link.note, link.since = note or link.note, since or link.since
        _as(link, by).save()
    record_event(
        actor=by, action=RegistryAction.ADD_TAG, target=resident, reason=note, extra={"tag": tag.code}
    )
    return link


def tag_residents(residents: Iterable[Resident], *, tag: TagType, by: Actor, note: str = "") -> BatchReport:
    """Batch tagging: `add_tag` per resident (its own scope check and audit event), in one
    transaction; a resident the actor may not change is refused and the others are still tagged."""
    return run_each(residents, lambda r: add_tag(r, tag=tag, by=by, note=note), label=lambda r: r.name)


@transaction.atomic
def remove_tag(resident: Resident, *, tag: TagType, by: Actor, reason: str = "") -> None:
    require(by, Perm.CHANGE_REGISTRY, resident.area_path)
    if tag.restricted:
        require(by, Perm.VIEW_KEY_POPULATIONS, resident.area_path)
    link = ResidentTag.objects.filter(resident=resident, tag=tag).first()
    if link is not None:
        link._change_reason = reason  # type: ignore[attr-defined]
        _as(link, by).delete()  # the tag link's history row keeps that it existed and who removed it
        record_event(
            actor=by,
            action=RegistryAction.REMOVE_TAG,
            target=resident,
            reason=reason,
            extra={"tag": tag.code},
        )


@transaction.atomic
def create_household(
    *,
    community: Area,
    number: str,
    by: Actor,
    dwelling: Dwelling | None = None,
    household_type: str = "registered",
    building: Building | None = None,
    unit: str = "",
    room: str = "",
) -> Household:
    """A household numbered within its community; given a building and room instead of a dwelling,
    the dwelling is found or added in the same transaction."""
    if dwelling is None and building is not None:
        if building.community_id != community.pk:
            raise RuleError(
                "invalid",
                _("This place is not in the community."),
                fields={"building": [_("This place is not in the community.")]},
            )
        require(by, Perm.CHANGE_REGISTRY, building.area_path)
        dwelling, _created = get_or_create_dwelling(building=building, unit=unit, room=room)
    path = dwelling.area_path if dwelling is not None else community.path
    require(by, Perm.CHANGE_REGISTRY, path)
    if Household.objects.filter(community=community, number=number).exists():
        raise RuleError(
            "duplicate_household",
            _("This household number is already used in the community."),
            fields={"number": [_("Already used.")]},
        )
    household = Household(
        community=community, number=number, dwelling=dwelling, household_type=household_type, area_path=path
    )
    _as(household, by).save()
    record_event(actor=by, action=RegistryAction.CREATE_HOUSEHOLD, target=household)
    return household


@transaction.atomic
def set_household_head(household: Household, *, head: Resident, by: Actor) -> None:
    require(by, Perm.CHANGE_REGISTRY, household.area_path)
    if head.household_id != household.pk:
        raise RuleError("not_a_member", _("The head must be a member of the household."))
    household.head = head
    _as(household, by).save(update_fields=["head", "updated_at"])
    update_change_reason(household, _("Head of household changed"))
    record_event(
        actor=by, action=RegistryAction.SET_HOUSEHOLD_HEAD, target=household, extra={"head": head.pk}
    )


@transaction.atomic
def link_login(resident: Resident, *, user: User | None, by: Actor) -> None:
    """Link a resident's own login to their registry record (or unlink it, with `user=None`), so
    the portal can show them their household. The login must hold the resident role in a scope
    that covers this resident: a worker's account or a neighbour's from elsewhere is refused."""
    require(by, Perm.CHANGE_REGISTRY, resident.area_path)
    previous = resident.login_id
    if user is not None:
        holds_resident_role = any(
            resident.area_path.startswith(a.scope_path)
            for a in RoleAssignment.objects.filter(user=user, role=Role.RESIDENT).exclude(scope_path="")
        )
        if not holds_resident_role:
            raise RuleError(
                "not_a_resident_login",
                _("This account is not a resident's account in this resident's community."),
                fields={"username": [_("Choose a resident's account of this community.")]},
            )
        other = Resident.objects.filter(login=user).exclude(pk=resident.pk).first()
        if other is not None:
            raise RuleError(
                "login_taken",
                _("This account is already linked to another resident."),
                fields={"username": [_("Already linked to another resident.")]},
            )
    # An update, not save(): the login is not part of the record's history (the audit log says
    # who linked it), and a history row without a visible change would only confuse its readers.
    Resident.objects.filter(pk=resident.pk).update(login=user)
    resident.login = user
    record_event(
        actor=by,
        action=RegistryAction.LINK_LOGIN,
        target=resident,
        extra={"login": user.pk if user is not None else None, "previous": previous},
    )


@transaction.atomic
def dissolve_household(household: Household, *, by: Actor) -> None:
    require(by, Perm.CHANGE_REGISTRY, household.area_path)
    if household.members.filter(status=ResidentStatus.ACTIVE).exists():
        raise RuleError("has_members", _("Move the members out or to another household first."))
    household.status = HouseholdStatus.DISSOLVED
    _as(household, by).save(update_fields=["status", "updated_at"])
    record_event(actor=by, action=RegistryAction.DISSOLVE_HOUSEHOLD, target=household)
