"""Writing many rows at once: `COPY` on PostgreSQL, one `executemany` on SQLite.

What `bulk_create` does without preparing every value through the ORM: the caller passes tuples
already in their database form. Runs on the Django connection, so it joins the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import connection


def write_rows(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    connection.ensure_connection()
    names = ", ".join(f'"{c}"' for c in columns)
    raw: Any = connection.connection
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608
