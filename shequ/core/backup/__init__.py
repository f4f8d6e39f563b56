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

Here: writing and restoring an archive; `archive.py`: its members and checksums, read back safely;
`database.py`: the consistent dump, the per-table checksums and loading a dump back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

from .. import crypto
from .archive import (
    DB_MEMBER,
    FORMAT,
    KEYS_WARNING,
    MANIFEST,
    MEDIA_PREFIX,
    BackupError,
    MediaSum,
    extract_media,
    file_sha256,
    media_files,
    read_manifest,
    unpack_and_check,
)
from .database import (
    compare_tables,
    dump_postgresql,
    dump_sqlite,
    has_rows,
    restore_postgresql,
    restore_sqlite,
    table_stats,
)

__all__ = [
    "FORMAT",
    "KEYS_WARNING",
    "MANIFEST",
    "BackupError",
    "RestoreReport",
    "compare_tables",
    "create_backup",
    "default_backup_path",
    "read_manifest",
    "restore_backup",
    "table_stats",
    "unpack_and_check",
]

Log = Callable[[str], None]


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


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
        stats, migrations = (dump_sqlite if vendor == "sqlite" else dump_postgresql)(using, db_file)
        media = MediaSum()
        files = media_files(media_root)
        for rel, file in files:
            media.add(rel, file.stat().st_size, file_sha256(file))
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
                "sha256": file_sha256(db_file),
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


def _check_keys(using: str) -> list[str]:
    """Can the configured keys read what was restored? One value per encrypted column is enough."""
    from ..keyrotation import encrypted_columns

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
    if not force and has_rows(using):
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
            restore_sqlite(db_path, using)
        else:
            restore_postgresql(db_path, using, manifest["tables"])
    log(f"Restoring {manifest['media']['files']} media files into {media_root}…")
    extract_media(archive, media_root)
    report = RestoreReport(manifest)
    log("Verifying every table against the manifest…")
    report.problems += compare_tables(manifest["tables"], table_stats(using))
    restored = MediaSum()
    for rel, file in media_files(media_root):
        if rel in media_names:  # other files already in MEDIA_ROOT are left alone and not counted
            restored.add(rel, file.stat().st_size, file_sha256(file))
    if restored.summary() != {k: manifest["media"][k] for k in ("files", "bytes", "sha256")}:
        report.problems.append("media: the restored files do not match the manifest")
    report.problems += _check_keys(using)
    report.notes += _migration_notes(using)
    return report
