from __future__ import annotations

from typing import Any

import pytest
from django.core.paginator import Paginator

from shequ.core.paging import ByIds
from shequ.registry.models import Resident
from shequ.testing import County


def test_pages_by_ids_give_the_querysets_rows_in_its_order(
    county: County, django_assert_max_num_queries: Any
) -> None:
    qs = Resident.objects.select_related("community", "dwelling__building").order_by("-name", "pk")
    expected = list(qs.values_list("pk", flat=True))
    assert len(expected) >= 4
    paginator = Paginator(ByIds(qs), 3)
    assert paginator.count == len(expected)
    seen: list[int] = []
    for number in paginator.page_range:
        page = paginator.page(number)
        with django_assert_max_num_queries(0):  # the joins came with the page's rows
            assert all(r.community.name and r.dwelling.building.name for r in page.object_list)
        seen += [r.pk for r in page.object_list]
    assert seen == expected


def test_pages_by_ids_take_slices_only(county: County) -> None:
    with pytest.raises(TypeError):
        ByIds(Resident.objects.all())[0]  # type: ignore[index]
