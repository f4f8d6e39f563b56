"""Forms of the configuration pages (categories, escalation rules, handler units, Open311 clients)
and the filter of the figures page. They only shape input; the rules live in the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_for
from shequ.core.inputs import Form
from shequ.places.models import Area, AreaLevel

from .models import CaseCategory, EscalationAction, HandlerUnit, Stage, UnitKind

INDENT = "\u3000"  # an ideographic space indents tree levels in a <select>

# --- the category tree --------------------------------------------------------------------------


def category_tree(categories: Iterable[CaseCategory]) -> list[tuple[CaseCategory, int]]:
    """Categories in tree order (parents before their children, siblings by sort order), each with
    its depth; built in memory from one query whatever the depth of the tree."""
    children: dict[int | None, list[CaseCategory]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    out: list[tuple[CaseCategory, int]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for category in sorted(children.get(parent_id, []), key=lambda c: (c.sort, c.code)):
            if category.pk in seen:  # a cycle cannot be saved, but never loop on bad data
                continue
            seen.add(category.pk)
            out.append((category, depth))
            walk(category.pk, depth + 1)

    walk(None, 0)
    return out


def _indented(category: CaseCategory, depth: int) -> str:
    return f"{INDENT * depth}{category.display_name} ({category.code})"


def hours_field(label: Any) -> forms.DecimalField:
    """A time limit in working hours, as the service accepts it (0.5 to 2,000)."""
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal(2000),
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "max": "2000"}),
    )


class CategoryForm(Form):
    """Add or change a category. The code is fixed once saved: Open311 clients know a category as
    its `service_code`."""

    code = forms.RegexField(
        label=_("Code"),
        max_length=32,
        regex=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$",
        error_messages={"invalid": _("Lower-case letters, digits and _, in parts separated by dots.")},
        help_text=_("For example sanitation.garbage; cannot be changed later."),
    )
    name = forms.CharField(label=_("Category name"), max_length=64)
    name_en = forms.CharField(
        label=_("English name"),
        max_length=100,
        required=False,
        help_text=_("Shown on English pages; exports, the API and Open311 keep the Chinese name."),
    )
    parent = forms.ModelChoiceField(
        label=_("Parent category"),
        queryset=CaseCategory.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    accept_hours = hours_field(_("Accept within (working hours)"))
    dispatch_hours = hours_field(_("Dispatch within (working hours)"))
    handle_hours = hours_field(_("Handle within (working hours)"))
    verify_hours = hours_field(_("Verify within (working hours)"))
    default_unit = forms.ModelChoiceField(
        label=_("Default handler unit"),
        queryset=HandlerUnit.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    public = forms.BooleanField(
        label=_("Residents may report"),
        required=False,
        help_text=_("Offered on the resident portal and to Open311 clients."),
    )
    published = forms.BooleanField(
        label=_("published on Open311"),
        required=False,
        help_text=_(
            "Accepted cases appear in the public Open311 list, numbers masked and located only to "
            "the building or road. Keep off for disputes and requests for help."
        ),
    )
    active = forms.BooleanField(
        label=_("In use"),
        required=False,
        help_text=_("Switch a category off instead of deleting it; its cases keep it."),
    )
    sort = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, required=False)

    LIMITS = ("accept_hours", "dispatch_hours", "handle_hours", "verify_hours")

    def __init__(
        self,
        data: Any = None,
        *,
        categories: list[tuple[CaseCategory, int]],
        units: QuerySet[HandlerUnit],
        category: CaseCategory | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self.category = category
        # A category cannot move under itself or one of its descendants.
        excluded: set[int] = set()
        if category is not None:
            excluded.add(category.pk)
            for node, _depth in categories:
                if node.parent_id in excluded:
                    excluded.add(node.pk)
        allowed = [(c, d) for c, d in categories if c.pk not in excluded]
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = CaseCategory.objects.filter(pk__in=[c.pk for c, _d in allowed])
        parent.choices = [("", parent.empty_label), *[(c.pk, _indented(c, d)) for c, d in allowed]]
        unit = self.fields["default_unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = units
        if category is not None:
            del self.fields["code"]
            for name in self.LIMITS:
                self.fields[name].required = True
        else:
            for name in self.LIMITS:
                self.fields[name].help_text = _("Leave empty to take the parent's.")

    def values(self) -> dict[str, Any]:
        """What to pass to services.save_category."""
        data = dict(self.cleaned_data)
        if data.get("sort") is None:
            data["sort"] = self.category.sort if self.category is not None else 0
        data["description"] = (data.get("description") or "").strip()
        data["name"] = (data.get("name") or "").strip()
        data["name_en"] = (data.get("name_en") or "").strip()
        return data


class EscalationRuleForm(Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    overdue_hours = forms.DecimalField(
        label=_("Overdue by (working hours)"),
        max_digits=6,
        decimal_places=1,
        min_value=Decimal(0),
        max_value=Decimal(2000),
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": "2000"}),
    )
    action = forms.ChoiceField(
        label=_("Action"),
        choices=EscalationAction.choices,
        help_text=_("Passing up (escalate) applies to the accept and dispatch stages only."),
    )
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)


def areas_for_units(user: Any) -> QuerySet[Area]:
    """Areas a unit may be set to serve: district, streets and communities the user configures."""
    return (
        Area.objects.filter(scope_for(user, Perm.CONFIGURE).q("path"))
        .filter(level__in=[AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY])
        .order_by("path")
    )


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        depth = {AreaLevel.DISTRICT: 0, AreaLevel.STREET: 1}.get(obj.level, 2)
        return f"{INDENT * depth}{obj.name}"


class UnitForm(Form):
    name = forms.CharField(label=_("Unit name"), max_length=64)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    area = AreaChoiceField(
        label=_("Serves"),
        queryset=Area.objects.none(),
        help_text=_("Cases anywhere in this area may be sent to the unit."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, data: Any = None, *, user: Any, initial: dict[str, Any] | None = None) -> None:
        super().__init__(data, initial=initial)
        area = self.fields["area"]
        assert isinstance(area, forms.ModelChoiceField)
        area.queryset = areas_for_units(user)


class UnitMemberForm(Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    is_lead = forms.BooleanField(label=_("Unit lead"), required=False)

    def clean_username(self) -> Any:
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active user has this username."))
        return user


class Open311ClientForm(Form):
    name = forms.CharField(label=_("Client name"), max_length=64)


# --- the figures page ---------------------------------------------------------------------------

PERIODS = [
    # The default: early in a month "this month" is a few days of cases (100 % everywhere).
    ("30days", _("Last 30 days")),
    ("month", _("This month")),
    ("quarter", _("Last 3 months")),
    ("year", _("This year")),
    ("custom", _("Custom")),
]
FIGURES_BY = [
    ("community", _("By community")),
    ("unit", _("By handler unit")),
    ("category", _("By category")),
]


MAX_CUSTOM_DAYS = 3653


class FiguresFilterForm(Form):
    """GET filter of the figures page; a bad value falls back to the default and says so."""

    period = forms.ChoiceField(
        label=_("Period"),
        choices=PERIODS,
        required=False,
        # Alpine (figures.html): the dates show for a custom period; other periods apply at once.
        widget=forms.Select(attrs={"x-model": "period", "@change": "periodChanged"}),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(label=_("Show"), choices=FIGURES_BY, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") == "custom":
            start, end = data.get("date_from"), data.get("date_to")
            if start is None and "date_from" not in self.errors:
                self.add_error("date_from", _("Give the first day of the period."))
            if start and end and end < start:
                self.add_error("date_to", _("The last day cannot be before the first."))
            if start and start < dt.date(2000, 1, 1):
                self.add_error("date_from", _("Give a day from the year 2000 on."))
            elif start and end and (end - start).days > MAX_CUSTOM_DAYS:
                self.add_error("date_to", _("A period can be at most ten years long."))
        return data
