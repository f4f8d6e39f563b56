"""List filters of the cases API. A malformed value is a 400 naming the filter, never an
unfiltered list: `?status=opne` must not quietly return every case in scope."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.registry.filters import IdFilter, community_filter, grid_filter

from . import selectors
from .models import Case, CaseCategory, CaseStatus, CaseWarning, Level, Light, Source, Stage, Urgency


def _subtree(root: CaseCategory) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in CaseCategory.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    ids, todo = [], [root.pk]
    while todo:
        pk = todo.pop()
        ids.append(pk)
        todo.extend(children.get(pk, []))
    return ids


class CaseFilter(df.FilterSet):
    status = df.MultipleChoiceFilter(
        choices=CaseStatus.choices, help_text=_("Repeat for several: ?status=reported&status=accepted.")
    )
    stage = df.ChoiceFilter(choices=Stage.choices)
    light = df.ChoiceFilter(
        choices=Light.choices, method="filter_light", help_text=_("Traffic light of the running stage.")
    )
    category = df.ModelChoiceFilter(
        queryset=CaseCategory.objects.all(),
        to_field_name="code",
        method="filter_category",
        help_text=_("Category code; includes its sub-categories."),
    )
    community = community_filter()
    grid = grid_filter()
    lead_unit = IdFilter(field_name="lead_unit_id", help_text=_("Id of the lead unit."))
    source = df.ChoiceFilter(choices=Source.choices)
    urgency = df.ChoiceFilter(choices=Urgency.choices)
    level = df.ChoiceFilter(choices=Level.choices)
    reported_after = df.DateFilter(
        field_name="reported_at", lookup_expr="date__gte", help_text=_("Reported on or after (YYYY-MM-DD).")
    )
    reported_before = df.DateFilter(
        field_name="reported_at",
        lookup_expr="date__lte",
        help_text=_("Reported on or before (YYYY-MM-DD)."),
    )
    q = df.CharFilter(
        method="filter_text",
        max_length=100,
        help_text=_("Case number, or words in the description or address."),
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_light(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return queryset.filter(selectors.light_q(value, timezone.now()))

    def filter_category(self, queryset: QuerySet[Case], name: str, value: CaseCategory) -> QuerySet[Case]:
        return queryset.filter(category_id__in=_subtree(value))

    def filter_text(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        text = value.strip()
        if not text:
            return queryset
        match = Q(description__icontains=text) | Q(address__icontains=text)
        if text.isdigit():
            match |= Q(number__startswith=text)
        return queryset.filter(match)


class WarningFilter(df.FilterSet):
    state = df.ChoiceFilter(
        choices=[("open", _("Open")), ("acknowledged", _("Acknowledged")), ("all", _("All"))],
        method="filter_state",
        empty_label=None,
        help_text=_("open (the default), acknowledged or all."),
    )
    category = df.ModelChoiceFilter(
        queryset=CaseCategory.objects.all(), to_field_name="code", help_text=_("Category code.")
    )
    community = community_filter()

    class Meta:
        model = CaseWarning
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("state"):
            queryset = queryset.filter(acknowledged_at=None)
        return queryset

    def filter_state(self, queryset: QuerySet[CaseWarning], name: str, value: str) -> QuerySet[CaseWarning]:
        if value == "open":
            return queryset.filter(acknowledged_at=None)
        if value == "acknowledged":
            return queryset.exclude(acknowledged_at=None)
        return queryset
