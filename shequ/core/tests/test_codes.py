"""National code tables, loaded by the migration and looked up as spreadsheets write them."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.core import codes
from shequ.core.models import Code, CodeTable

pytestmark = pytest.mark.django_db


def test_migration_loads_every_ethnicity_and_political_status() -> None:
    ethnicities = codes.choices(CodeTable.ETHNICITY)
    assert len(ethnicities) >= 56
    assert ("01", "汉族") in ethnicities
    assert ("56", "基诺族") in ethnicities
    assert len(codes.choices(CodeTable.POLITICAL_STATUS)) == 13
    assert codes.label(CodeTable.POLITICAL_STATUS, "13") == "群众"


@pytest.mark.parametrize("table", list(CodeTable))
def test_every_table_has_rows(table: CodeTable) -> None:
    assert codes.choices(table)


@pytest.mark.parametrize(
    ("table", "text", "code"),
    [
        (CodeTable.ETHNICITY, "01", "01"),
        (CodeTable.ETHNICITY, "1", "01"),  # Excel drops the leading zero
        (CodeTable.ETHNICITY, "汉族", "01"),
        (CodeTable.ETHNICITY, "汉", "01"),
        (CodeTable.ETHNICITY, " 回族 ", "03"),
        (CodeTable.POLITICAL_STATUS, "群众", "13"),
        (CodeTable.POLITICAL_STATUS, "中国共产党党员", "01"),
        (CodeTable.POLITICAL_STATUS, "中共党员", "01"),  # the standard's short name
        (CodeTable.POLITICAL_STATUS, "共青团员", "03"),
        (CodeTable.POLITICAL_STATUS, "中共预备党员", "02"),
        (CodeTable.EDUCATION, "本科", "20"),
        (CodeTable.EDUCATION, "大专", "30"),
        (CodeTable.EDUCATION, "初中", "70"),
        (CodeTable.MARITAL_STATUS, "已婚", "20"),
        (CodeTable.SEX, "女", "2"),
    ],
)
def test_lookup_by_code_name_or_short_name(table: CodeTable, text: str, code: str) -> None:
    assert codes.lookup(table, text) == code


@pytest.mark.parametrize("text", ["", "  ", "火星族", "99"])
def test_lookup_of_unknown_text_is_none(text: str) -> None:
    assert codes.lookup(CodeTable.ETHNICITY, text) is None


def test_label_falls_back_to_the_code() -> None:
    assert codes.label(CodeTable.ETHNICITY, "01") == "汉族"
    assert codes.label(CodeTable.ETHNICITY, "77") == "77"
    assert codes.label(CodeTable.ETHNICITY, "") == ""


def test_known_regions_include_the_demo_county() -> None:
    assert "330723" in codes.known_regions()


def test_retired_codes_are_not_offered(django_assert_num_queries: Any) -> None:
    Code.objects.filter(table=CodeTable.ETHNICITY, code="98").update(active=False)
    codes.clear_cache()
    assert codes.lookup(CodeTable.ETHNICITY, "98") is None
    # The table is read once and then served from the cache.
    with django_assert_num_queries(0):
        codes.label(CodeTable.ETHNICITY, "01")
        codes.lookup(CodeTable.ETHNICITY, "汉")


def test_lookup_is_forgotten_with_the_tables() -> None:
    """Lookups are remembered per text for imports, and cleared with the code tables."""
    assert codes.lookup(CodeTable.ETHNICITY, "汉族") == codes.lookup(CodeTable.ETHNICITY, "汉族") == "01"
    assert codes.lookup(CodeTable.ETHNICITY, "新名称") is None
    Code.objects.filter(table=CodeTable.ETHNICITY, code="01").update(name="新名称")
    codes.clear_cache()
    assert codes.lookup(CodeTable.ETHNICITY, "新名称") == "01"
    assert "330723" in codes.known_regions()
