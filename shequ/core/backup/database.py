"""The database side of a backup: a consistent dump (SQLite's online backup API, or pg_dump in the
snapshot the checksums are read in), the per-table checksums, and loading a dump back."""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from .archive import BackupError


def _canonical(value: Any) -> str:
    """One spelling per value, so equal rows hash equally on both sides of a restore."""
    if value is None:
        return "\\N"
    if isinstance(value, bytes | bytearray | memoryview):
        return "x" + bytes(value).hex()
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return str(value)


def _hash_rows(cursor: Any, sql: str) -> dict[str, Any]:
    cursor.execute(sql)
    digest = hashlib.sha256()
    rows = 0
    while batch := cursor.fetchmany(2000):
        for row in batch:
            digest.update("\x1f".join(_canonical(v) for v in row).encode("utf-8", "surrogatepass"))
            digest.update(b"\x1e")
        rows += len(batch)
    return {"rows": rows, "sha256": digest.hexdigest()}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_stats(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Per-table rows and checksums of a SQLite database, read through a plain sqlite3 connection
    (Django's converts typed columns, which would spell the same row differently)."""
    out: dict[str, dict[str, Any]] = {}
    cursor = conn.cursor()
    names = [
        r[0]
        for r in cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    ]
    for name in names:
        info = cursor.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
        keys = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])] or [r[1] for r in info]
        order = ", ".join(_quote(k) for k in keys)
        out[name] = _hash_rows(conn.cursor(), f"SELECT * FROM {_quote(name)} ORDER BY {order}")  # noqa: S608
    return out


def postgresql_stats(using: str) -> dict[str, dict[str, Any]]:
    connection = connections[using]
    out: dict[str, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        tables = sorted(t.name for t in connection.introspection.get_table_list(cursor) if t.type == "t")
        orders = {}
        for name in tables:
            keys = connection.introspection.get_primary_key_columns(cursor, name) or [
                c.name for c in connection.introspection.get_table_description(cursor, name)
            ]
            orders[name] = ", ".join(_quote(k) for k in keys)
    for name in tables:
        with connection.chunked_cursor() as cursor:  # server-side: a million rows stay on the server
            out[name] = _hash_rows(cursor, f"SELECT * FROM {_quote(name)} ORDER BY {orders[name]}")  # noqa: S608
    return out


def sqlite_name(using: str) -> str:
    return str(connections[using].settings_dict["NAME"])


def sqlite_connect(name: str, *, readonly: bool = False) -> sqlite3.Connection:
    # `uri=True` also opens the shared in-memory database of the test run ("file:memorydb_...").
    if readonly and not name.startswith("file:"):
        return sqlite3.connect(f"file:{Path(name).resolve()}?mode=ro", uri=True, timeout=20)
    return sqlite3.connect(name, uri=True, timeout=20)


def table_stats(using: str = DEFAULT_DB_ALIAS) -> dict[str, dict[str, Any]]:
    """{table: {"rows": n, "sha256": hex}} for every table of the database `using`."""
    vendor = connections[using].vendor
    if vendor == "sqlite":
        conn = sqlite_connect(sqlite_name(using), readonly=True)
        try:
            return sqlite_stats(conn)
        finally:
            conn.close()
    if vendor == "postgresql":
        return postgresql_stats(using)
    raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")


def has_rows(using: str) -> bool:
    connection = connections[using]
    with connection.cursor() as cursor:
        for name in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT 1 FROM {_quote(name)} LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                return True
    return False


def pg_tool(name: str, using: str) -> str:
    """pg_dump / pg_restore of the server's major version when Debian has several, else PATH."""
    major = connections[using].pg_version // 10000  # type: ignore[attr-defined]
    candidates = [f"/usr/lib/postgresql/{major}/bin/{name}", shutil.which(name) or ""]
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    raise BackupError(
        f"{name} was not found. Install the PostgreSQL client tools of the server's version "
        f"(Debian: apt-get install postgresql-client-{major}) or put {name} on PATH."
    )


def pg_env(using: str) -> dict[str, str]:
    """libpq connection settings from DATABASES, passed in the environment (a password on the
    command line would show in `ps`)."""
    s = connections[using].settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if s.get(key):
            env[var] = str(s[key])
    env["PGDATABASE"] = str(s["NAME"])
    for option, var in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if s.get("OPTIONS", {}).get(option):
            env[var] = str(s["OPTIONS"][option])
    return env


def run_tool(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def migrations_of(cursor: Any) -> list[list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return [[app, name] for app, name in cursor.fetchall()]


def dump_sqlite(using: str, target: Path) -> tuple[dict[str, Any], list[list[str]]]:
    source = sqlite_connect(sqlite_name(using))
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # SQLite's online backup: one consistent snapshot, writers may go on
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        return sqlite_stats(copy), migrations_of(copy.cursor())
    finally:
        copy.close()
        source.close()


def dump_postgresql(using: str, target: Path) -> tuple[dict[str, Any], list[list[str]]]:
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError("run the backup outside a transaction")
    pg_dump = pg_tool("pg_dump", using)
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            # pg_dump works in this transaction's snapshot, so the manifest describes the dump exactly.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            migrations = migrations_of(cursor)
        args = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"]
        dump = subprocess.Popen(  # noqa: S603
            args, env=pg_env(using), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            stats = postgresql_stats(using)  # meanwhile, on the second core
        finally:
            _, stderr = dump.communicate()
        if dump.returncode != 0:
            raise BackupError(f"pg_dump failed (exit {dump.returncode}): {stderr.strip()[-2000:]}")
    return stats, migrations


def restore_sqlite(db_path: Path, using: str) -> None:
    connections[using].close()
    source = sqlite3.connect(db_path)
    target = sqlite_connect(sqlite_name(using))
    try:
        source.backup(target)  # replaces every page of the target in one step
    finally:
        target.close()
        source.close()


def restore_postgresql(db_path: Path, using: str, tables: dict[str, Any]) -> None:
    pg_restore = pg_tool("pg_restore", using)
    connection = connections[using]
    with connection.cursor() as cursor:
        # Tables the backup does not know (from a newer migration) would survive pg_restore --clean.
        for name in connection.introspection.table_names(cursor):
            if name not in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {_quote(name)} CASCADE")
    connection.close()
    run_tool(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",  # all of it or nothing
            "--exit-on-error",
            f"--dbname={connection.settings_dict['NAME']}",
            str(db_path),
        ],
        pg_env(using),
        "pg_restore",
    )
    connection.close()


def compare_tables(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    problems = []
    for name in sorted(set(expected) | set(actual)):
        want, got = expected.get(name), actual.get(name)
        if got is None:
            problems.append(f"table {name}: missing after the restore")
        elif want is None:
            problems.append(f"table {name}: not in the backup ({got['rows']:,} rows)")
        elif want["rows"] != got["rows"]:
            problems.append(f"table {name}: {got['rows']:,} rows, the backup had {want['rows']:,}")
        elif want["sha256"] != got["sha256"]:
            problems.append(f"table {name}: same {got['rows']:,} rows but different content (checksum)")
    return problems
