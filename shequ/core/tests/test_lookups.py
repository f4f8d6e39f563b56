"""`__under`, the scope's path prefix: the same rows as `__startswith` on every database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.core.models import Code, CodeTable

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("prefix", ["33", "3307", "330723", "330729", "339", "9", "11", "330723000000"])
def test_under_finds_what_startswith_finds(prefix: str) -> None:
    divisions = Code.objects.filter(table=CodeTable.DIVISION)
    under = set(divisions.filter(code__under=prefix).values_list("code", flat=True))
    assert under == set(divisions.filter(code__startswith=prefix).values_list("code", flat=True))
    assert all(code.startswith(prefix) for code in under)


def test_under_combines_with_other_conditions() -> None:
    divisions = Code.objects.filter(table=CodeTable.DIVISION)
    either = divisions.filter(code__under="3307") | divisions.filter(code__under="1101")
    assert either.exclude(code__under="3307").exists() == divisions.filter(code__startswith="1101").exists()
    assert not divisions.filter(code__under="3307").exclude(code__startswith="3307").exists()


def test_under_is_a_range_that_sqlite_reads_from_an_index() -> None:
    with CaptureQueriesContext(connection) as queries:
        list(Code.objects.filter(code__under="3307"))
    sql = queries.captured_queries[0]["sql"]
    if connection.vendor == "sqlite":
        assert "LIKE" not in sql and ">= '3307'" in sql and "< '3308'" in sql
    else:
        assert "LIKE" in sql
