"""Backups that can be proven to restore (`manage.py backup` / `restore`, docs/operations.md).

One `.tar.gz` holds `manifest.json`, the database (`database.sqlite3`: a copy made with SQLite's
online backup API, consistent while the app keeps writing; or `database.pgdump`: `pg_dump
--format=custom`) and the media files under `media/` (case photos, pending import files).

The manifest lists, per table, the row count and a SHA-256 over the rows in primary-key order, all
read in the same snapshot as the dump (SQLite: from the copy; PostgreSQL: in a REPEATABLE READ
transaction whose snapshot pg_dump is handed), so a restore can prove that every row came back.
It also holds the migration state, the app version, checksums of the dump file and of the media,
and the public ids of the keys in use.

The encryption keys are NOT in the archive. ID and phone numbers in it are ciphertext: without
SHEQU_FIELD_KEY and SHEQU_HASH_KEY the backup restores, but nobody can read or look up a number.
Keys are backed up separately, in the key store, kept at least as long as the backups they open.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

import django
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader

from . import crypto

FORMAT = "shequ-backup/1"
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
KEYS_WARNING = (
    "The encryption keys (SHEQU_FIELD_KEY, SHEQU_HASH_KEY) are NOT in this backup. Without them the "
    "ID and phone numbers in it cannot be read or looked up: keep the keys in your key store, apart "
    "from the backups, for as long as you keep the backups."
)
CHUNK = 1 << 20

Log = Callable[[str], None]


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- table checksums --------------------------------------------------------------------------


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


def _sqlite_stats(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
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


def _postgresql_stats(using: str) -> dict[str, dict[str, Any]]:
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


def _sqlite_name(using: str) -> str:
    return str(connections[using].settings_dict["NAME"])


def _sqlite_connect(name: str, *, readonly: bool = False) -> sqlite3.Connection:
    # `uri=True` also opens the shared in-memory database of the test run ("file:memorydb_...").
    if readonly and not name.startswith("file:"):
        return sqlite3.connect(f"file:{Path(name).resolve()}?mode=ro", uri=True, timeout=20)
    return sqlite3.connect(name, uri=True, timeout=20)


def table_stats(using: str = DEFAULT_DB_ALIAS) -> dict[str, dict[str, Any]]:
    """{table: {"rows": n, "sha256": hex}} for every table of the database `using`."""
    vendor = connections[using].vendor
    if vendor == "sqlite":
        conn = _sqlite_connect(_sqlite_name(using), readonly=True)
        try:
            return _sqlite_stats(conn)
        finally:
            conn.close()
    if vendor == "postgresql":
        return _postgresql_stats(using)
    raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")


def _has_rows(using: str) -> bool:
    connection = connections[using]
    with connection.cursor() as cursor:
        for name in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT 1 FROM {_quote(name)} LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                return True
    return False


# --- files -------------------------------------------------------------------------------------


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _media_files(root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


class _MediaSum:
    """A checksum over (path, size, SHA-256) of every media file, in path order."""

    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0
        self._entries: list[tuple[str, int, str]] = []

    def add(self, relpath: str, size: int, sha256: str) -> None:
        self.files += 1
        self.bytes += size
        self._entries.append((relpath, size, sha256))

    @property
    def names(self) -> set[str]:
        return {relpath for relpath, _size, _sha in self._entries}

    def summary(self) -> dict[str, Any]:
        digest = hashlib.sha256()
        for relpath, size, sha in sorted(self._entries):
            digest.update(f"{relpath}\x1f{size}\x1f{sha}\x1e".encode())
        return {"files": self.files, "bytes": self.bytes, "sha256": digest.hexdigest()}


def _safe_media_path(member: str) -> str | None:
    """The path under MEDIA_ROOT of an archive member, or None when it would leave MEDIA_ROOT."""
    rel = PurePosixPath(member[len(MEDIA_PREFIX) :])
    if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts):
        return None
    return rel.as_posix()


# --- PostgreSQL tools --------------------------------------------------------------------------


def _pg_tool(name: str, using: str) -> str:
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


def _pg_env(using: str) -> dict[str, str]:
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


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


# --- backup ------------------------------------------------------------------------------------


def _migrations(cursor: Any) -> list[list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return [[app, name] for app, name in cursor.fetchall()]


def _key_ids() -> dict[str, Any]:
    out: dict[str, Any] = {"included": False, "note": KEYS_WARNING}
    with contextlib.suppress(Exception):
        out["field_key_ids"] = [crypto.key_id(k) for k in settings.SHEQU_FIELD_KEYS]
        out["hash_key_id"] = crypto.key_id(settings.SHEQU_HASH_KEY)
    return out


def _app_version() -> str:
    try:
        return importlib.metadata.version("shequ")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _dump_sqlite(using: str, target: Path) -> tuple[dict[str, Any], list[list[str]]]:
    source = _sqlite_connect(_sqlite_name(using))
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # SQLite's online backup: one consistent snapshot, writers may go on
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        return _sqlite_stats(copy), _migrations(copy.cursor())
    finally:
        copy.close()
        source.close()


def _dump_postgresql(using: str, target: Path) -> tuple[dict[str, Any], list[list[str]]]:
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError("run the backup outside a transaction")
    pg_dump = _pg_tool("pg_dump", using)
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            # pg_dump works in this transaction's snapshot, so the manifest describes the dump exactly.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            migrations = _migrations(cursor)
        args = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"]
        dump = subprocess.Popen(  # noqa: S603
            args, env=_pg_env(using), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            stats = _postgresql_stats(using)  # meanwhile, on the second core
        finally:
            _, stderr = dump.communicate()
        if dump.returncode != 0:
            raise BackupError(f"pg_dump failed (exit {dump.returncode}): {stderr.strip()[-2000:]}")
    return stats, migrations


def default_backup_path() -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "var" / "backups" / f"shequ-{stamp}.tar.gz"


def create_backup(
    output: Path | str | None = None, *, using: str = DEFAULT_DB_ALIAS, log: Log | None = None
) -> tuple[Path, dict[str, Any]]:
    """Write a backup archive; returns its path and manifest."""
    log = log or (lambda _message: None)
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DB_MEMBER:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    path = Path(output) if output else default_backup_path()
    if path.is_dir() or not path.name.endswith((".tar.gz", ".tgz")):  # a folder for the archive
        path = path / default_backup_path().name
    path.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    started = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory(prefix="shequ-backup-", dir=path.parent) as tmp:
        db_file = Path(tmp) / DB_MEMBER[vendor]
        log(f"Dumping the {vendor} database…")
        stats, migrations = (_dump_sqlite if vendor == "sqlite" else _dump_postgresql)(using, db_file)
        media = _MediaSum()
        files = _media_files(media_root)
        for rel, file in files:
            media.add(rel, file.stat().st_size, _file_sha256(file))
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": started.isoformat(),
            "app_version": _app_version(),
            "django_version": django.get_version(),
            "database": {
                "vendor": vendor,
                "name": str(connection.settings_dict["NAME"]),
                "file": db_file.name,
                "bytes": db_file.stat().st_size,
                "sha256": _file_sha256(db_file),
            },
            "migrations": migrations,
            "tables": stats,
            "media": {"included": True, "root": str(media_root), **media.summary()},
            "keys": _key_ids(),
        }
        log(
            f"{len(stats)} tables, {sum(t['rows'] for t in stats.values()):,} rows; {media.files} media files."
        )
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data: owner only
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            data = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(started.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_file, arcname=db_file.name)
            for rel, file in files:
                tar.add(file, arcname=MEDIA_PREFIX + rel)
        partial.replace(path)  # a backup killed halfway never looks complete
    return path, manifest


# --- restore -----------------------------------------------------------------------------------


def read_manifest(archive: Path | str) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} is not a readable shequ backup: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: unknown backup format {manifest.get('format')!r} (expected {FORMAT})")
    return manifest


def _members(archive: Path | str) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.isfile():
                stream = tar.extractfile(member)
                if stream is not None:
                    yield member, stream


def _copy_hashing(stream: IO[bytes], target: IO[bytes] | None) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while block := stream.read(CHUNK):
        digest.update(block)
        size += len(block)
        if target is not None:
            target.write(block)
    return size, digest.hexdigest()


def unpack_and_check(archive: Path | str, manifest: dict[str, Any], workdir: Path) -> tuple[Path, set[str]]:
    """Extract the database file and check it and the media against the manifest before anything
    is touched: a damaged or altered archive is refused whole."""
    db_name = manifest["database"]["file"]
    db_path = workdir / db_name
    media = _MediaSum()
    seen_db = False
    for member, stream in _members(archive):
        if member.name == db_name:
            with db_path.open("wb") as out:
                size, sha = _copy_hashing(stream, out)
            if size != manifest["database"]["bytes"] or sha != manifest["database"]["sha256"]:
                raise BackupError(
                    f"the database file in the archive does not match its manifest (SHA-256 {sha[:12]}…, "
                    f"expected {manifest['database']['sha256'][:12]}…): the archive is damaged or was altered"
                )
            seen_db = True
        elif member.name.startswith(MEDIA_PREFIX):
            rel = _safe_media_path(member.name)
            if rel is None:
                raise BackupError(f"the archive holds a file outside the media folder: {member.name!r}")
            size, sha = _copy_hashing(stream, None)
            media.add(rel, size, sha)
        elif member.name != MANIFEST:
            raise BackupError(f"unexpected file in the archive: {member.name!r}")
    if not seen_db:
        raise BackupError(f"the archive has no {db_name}")
    expected = {k: manifest["media"][k] for k in ("files", "bytes", "sha256")}
    if media.summary() != expected:
        raise BackupError(
            f"the media files in the archive do not match the manifest ({media.files} files, expected "
            f"{expected['files']}): the archive is damaged or was altered"
        )
    return db_path, media.names


def _restore_sqlite(db_path: Path, using: str) -> None:
    connections[using].close()
    source = sqlite3.connect(db_path)
    target = _sqlite_connect(_sqlite_name(using))
    try:
        source.backup(target)  # replaces every page of the target in one step
    finally:
        target.close()
        source.close()


def _restore_postgresql(db_path: Path, using: str, tables: dict[str, Any]) -> None:
    pg_restore = _pg_tool("pg_restore", using)
    connection = connections[using]
    with connection.cursor() as cursor:
        # Tables the backup does not know (from a newer migration) would survive pg_restore --clean.
        for name in connection.introspection.table_names(cursor):
            if name not in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {_quote(name)} CASCADE")
    connection.close()
    _run(
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
        _pg_env(using),
        "pg_restore",
    )
    connection.close()


def _extract_media(archive: Path | str, root: Path) -> None:
    for member, stream in _members(archive):
        if not member.name.startswith(MEDIA_PREFIX):
            continue
        rel = _safe_media_path(member.name)
        assert rel is not None  # checked before the database was touched
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with partial.open("wb") as out:
            shutil.copyfileobj(stream, out, CHUNK)
        partial.replace(target)


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


def _check_keys(using: str) -> list[str]:
    """Can the configured keys read what was restored? One value per encrypted column is enough."""
    from .keyrotation import encrypted_columns

    crypto.reset_key_cache()
    problems = []
    for column in encrypted_columns():
        token = (
            column.model._base_manager.using(using)
            .exclude(**{column.cipher_field: ""})
            .values_list(column.cipher_field, flat=True)
            .first()
        )
        if not token:
            continue
        try:
            crypto.decrypt(token)
        except Exception:
            problems.append(
                f"{column.label}: the configured SHEQU_FIELD_KEY does not decrypt the restored values. "
                "Install the keys this backup was made with (see its manifest's key ids) from your key store."
            )
    return problems


def _migration_notes(using: str) -> list[str]:
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    applied, on_disk = set(loader.applied_migrations), set(loader.disk_migrations)
    notes = []
    if on_disk - applied:
        notes.append(
            f"{len(on_disk - applied)} migrations of this version are not applied yet: run `manage.py migrate`."
        )
    if applied - on_disk:
        notes.append(
            f"the backup has {len(applied - on_disk)} migrations this code does not know: it comes from a "
            "newer version of shequ; deploy that version before using the database."
        )
    return notes


def restore_backup(
    archive: Path | str, *, using: str = DEFAULT_DB_ALIAS, force: bool = False, log: Log | None = None
) -> RestoreReport:
    """Restore an archive into the database `using` and MEDIA_ROOT, then verify it.

    Refuses a database that holds any row unless `force`. The archive is checked whole before the
    database is touched; after the restore, every table's row count and checksum are compared with
    the manifest and the mismatches returned in the report.
    """
    log = log or (lambda _message: None)
    manifest = read_manifest(archive)
    vendor = connections[using].vendor
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            f"this is a {manifest['database']['vendor']} backup; the target database is {vendor}. "
            "Restore into the same kind of database (to move between them, use dumpdata/loaddata)."
        )
    if not force and _has_rows(using):
        raise BackupError(
            "the target database is not empty: restoring replaces everything in it. "
            "Run again with --yes to overwrite it, or restore into a new, empty database."
        )
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="shequ-restore-") as tmp:
        log("Checking the archive…")
        db_path, media_names = unpack_and_check(archive, manifest, Path(tmp))
        log(f"Restoring the {vendor} database…")
        if vendor == "sqlite":
            _restore_sqlite(db_path, using)
        else:
            _restore_postgresql(db_path, using, manifest["tables"])
    log(f"Restoring {manifest['media']['files']} media files into {media_root}…")
    _extract_media(archive, media_root)
    report = RestoreReport(manifest)
    log("Verifying every table against the manifest…")
    report.problems += compare_tables(manifest["tables"], table_stats(using))
    restored = _MediaSum()
    for rel, file in _media_files(media_root):
        if rel in media_names:  # other files already in MEDIA_ROOT are left alone and not counted
            restored.add(rel, file.stat().st_size, _file_sha256(file))
    if restored.summary() != {k: manifest["media"][k] for k in ("files", "bytes", "sha256")}:
        report.problems.append("media: the restored files do not match the manifest")
    report.problems += _check_keys(using)
    report.notes += _migration_notes(using)
    return report
