"""Case categories read in English on English pages (`name_en`), in Chinese on Chinese ones; the
export keeps the Chinese name whatever the language."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shequ.cases.models import CaseCategory
from shequ.cases.testing import CaseWorld, build_case_world, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


def get(world: CaseWorld, url: str, language: str) -> Any:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(world.worker)
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_the_default_categories_have_english_names() -> None:
    names = dict(CaseCategory.objects.values_list("code", "name_en"))
    assert names["sanitation.garbage"] == "Dumped rubbish" and names["sanitation"] == "Sanitation"
    assert all(names.values()) and len(set(names.values())) == len(names)


def test_the_case_page_and_list_show_the_category_in_the_page_language(world: CaseWorld) -> None:
    case = report(world)
    english = get(world, reverse("cases:detail", args=[case.pk]), "en").content.decode()
    assert "<dd>Dumped rubbish</dd>" in english and "<dd>垃圾堆放</dd>" not in english
    chinese = get(world, reverse("cases:detail", args=[case.pk]), "zh-hans").content.decode()
    assert "<dd>垃圾堆放</dd>" in chinese and "Dumped rubbish" not in chinese
    listing = get(world, reverse("cases:list"), "en").content.decode()
    assert '<td class="nowrap">Dumped rubbish</td>' in listing  # the row
    assert ">\u3000Dumped rubbish</option>" in listing  # the filter
    report_form = get(world, reverse("cases:new"), "en").content.decode()
    assert '<optgroup label="Sanitation">' in report_form


def test_a_category_without_an_english_name_shows_its_chinese_name(world: CaseWorld) -> None:
    case = report(world)
    CaseCategory.objects.filter(pk=world.category.pk).update(name_en="")
    english = get(world, reverse("cases:detail", args=[case.pk]), "en").content.decode()
    assert "<dd>垃圾堆放</dd>" in english


def test_the_export_keeps_the_chinese_category_on_an_english_page(world: CaseWorld) -> None:
    report(world)
    response = get(world, reverse("cases:export"), "en")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    text = " ".join(str(v) for row in rows for v in row if v is not None)
    assert "垃圾堆放" in text and "Dumped rubbish" not in text


def test_the_figures_page_names_categories_in_english_and_its_export_in_chinese(world: CaseWorld) -> None:
    report(world)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.district_admin)
    page = client.get(reverse("cases:figures"), {"by": "category"}).content.decode()
    assert "Dumped rubbish" in page and "垃圾堆放" not in page
    export = client.get(reverse("cases:figures_export"), {"by": "category"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert any(row[0] == "垃圾堆放" for row in rows)
