"""Backup and restore: `manage.py backup` then `manage.py restore` into a fresh database gives back
every row of every table (row counts and checksums, table by table) and every media file; a
damaged archive is refused before anything is touched; a database that is not empty is only
overwritten with --yes.

The database tests are transactional: pg_dump and SQLite's backup API read the database through their own
connections, so the data must be committed."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from shequ.core.actors import System
from shequ.core.backup import FORMAT, MANIFEST, BackupError, read_manifest, table_stats, unpack_and_check
from shequ.registry import pii
from shequ.registry import services as registry
from shequ.registry.models import Resident

PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg, but bytes that must come back unchanged \xff\xd9"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fresh_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A second, empty database to restore into: a new file on SQLite, a throwaway database on
    PostgreSQL (created here and dropped afterwards)."""
    alias = "restore_target"
    # Django's test case refuses connections to aliases it did not know when it was set up; this
    # one is made for the test and dropped after it, so let it connect.
    guarded = BaseDatabaseWrapper.ensure_connection

    def ensure_connection(self: BaseDatabaseWrapper) -> None:
        if self.alias == alias and self.connection is None:
            with self.wrap_database_errors:
                self.connect()
        else:
            guarded(self)

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", ensure_connection)
    source = connections["default"]
    if source.vendor == "sqlite":
        name = str(tmp_path / "restored.sqlite3")
    else:
        name = f"{source.settings_dict['NAME']}_restore"[:63]
        with source.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
    connections.settings[alias] = {**source.settings_dict, "NAME": name}
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
        if source.vendor == "postgresql":
            with source.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def demo(media: Path, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", scale=120, seed=7, stdout=io.StringIO())
    resident = Resident.objects.exclude(id_number_cipher="").order_by("pk").first()
    assert resident is not None
    registry.update_resident(
        resident, by=System("test"), fields={"phone": "13900002222"}, reason="备份测试"
    )  # a history row
    default_storage.save("cases/2026/01/photo.jpg", ContentFile(PHOTO))


def backup(tmp_path: Path) -> Path:
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    text = out.getvalue()
    assert "NOT in this backup" in text  # the keys warning is never left out
    archives = list((tmp_path / "backups").glob("shequ-*.tar.gz"))
    assert len(archives) == 1
    return archives[0]


def restore(archive: Path, alias: str, *args: str) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), *args, database=alias, stdout=out, stderr=out)
    return out.getvalue()


def rewrite(archive: Path, target: Path, change: dict[str, Any]) -> Path:
    """A copy of the archive with some members' bytes changed by `change[name](bytes)`."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name in change:
                data = change[member.name](data)
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return target


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_a_fresh_database_gives_back_every_row_and_file(
    demo: None, fresh_database: str, tmp_path: Path, settings: Any
) -> None:
    archive = backup(tmp_path)
    manifest = read_manifest(archive)
    source = table_stats("default")
    assert manifest["tables"] == source
    assert source["registry_resident"]["rows"] >= 100 and source["registry_historicalresident"]["rows"] >= 1
    assert ["registry", "0001_initial"] in manifest["migrations"]
    assert manifest["media"]["files"] >= 1 and manifest["keys"]["included"] is False
    assert archive.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    text = restore(archive, fresh_database)
    assert "Restored and verified" in text and "NOT in this backup" in text

    restored = table_stats(fresh_database)
    assert sorted(restored) == sorted(source)
    for table, stats in source.items():
        assert restored[table] == stats, table
    assert (tmp_path / "restored-media" / "cases/2026/01/photo.jpg").read_bytes() == PHOTO
    # The restored numbers open with the same keys.
    before = Resident.objects.exclude(phone_cipher="").order_by("pk").first()
    after = Resident.objects.using(fresh_database).get(pk=before.pk)  # type: ignore[union-attr]
    assert pii.plaintext_phone(after) == "13900002222" == pii.plaintext_phone(before)  # type: ignore[arg-type]


@pytest.mark.django_db(transaction=True)
def test_a_damaged_or_altered_archive_is_refused_and_a_database_that_is_not_empty_needs_yes(
    media: Path, fresh_database: str, tmp_path: Path
) -> None:
    # One test, because every transactional test costs a flush of the whole database on PostgreSQL.
    archive = backup(tmp_path)  # the reference data from the migrations is enough here
    target = connections[fresh_database]

    db_member = read_manifest(archive)["database"]["file"]

    def flip(data: bytes) -> bytes:
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]

    damaged = rewrite(archive, tmp_path / "damaged.tar.gz", {db_member: flip})
    with pytest.raises(CommandError, match="damaged or was altered"):
        restore(damaged, fresh_database)
    with target.cursor() as cursor:
        assert target.introspection.table_names(cursor) == []  # refused before anything was touched

    def more_codes(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["tables"]["core_code"]["rows"] += 1
        return json.dumps(manifest).encode()

    altered = rewrite(archive, tmp_path / "altered.tar.gz", {MANIFEST: more_codes})
    with pytest.raises(CommandError, match="does not match the backup"):
        restore(altered, fresh_database)

    # The target now holds data: a plain restore is refused and changes nothing ...
    with target.cursor() as cursor:
        cursor.execute("DELETE FROM core_code WHERE id IN (SELECT id FROM core_code ORDER BY id LIMIT 3)")
        cursor.execute("CREATE TABLE stray_from_a_newer_version (id integer PRIMARY KEY)")
    changed = table_stats(fresh_database)
    with pytest.raises(CommandError, match="not empty"):
        restore(archive, fresh_database)
    assert table_stats(fresh_database) == changed
    # ... and --yes replaces everything, the stray table included.
    assert "Restored and verified" in restore(archive, fresh_database, "--yes")
    assert table_stats(fresh_database) == read_manifest(archive)["tables"]


def test_an_archive_member_outside_the_media_folder_is_refused(tmp_path: Path) -> None:
    manifest = {
        "format": FORMAT,
        "database": {"vendor": "sqlite", "file": "database.sqlite3", "bytes": 0, "sha256": ""},
        "media": {"files": 0, "bytes": 0, "sha256": ""},
    }
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in ((MANIFEST, json.dumps(manifest).encode()), ("media/../../../etc/cron.d/x", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="outside the media folder"):
        unpack_and_check(archive, read_manifest(archive), tmp_path)
