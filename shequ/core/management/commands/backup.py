"""`manage.py backup [--output PATH]`: one .tar.gz with the database, the media files and a manifest
of per-table row counts and checksums (shequ/core/backup.py, docs/operations.md "Backups")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from shequ.core.backup import KEYS_WARNING, BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite: online backup API; PostgreSQL: pg_dump --format=custom) and "
        "MEDIA_ROOT into one .tar.gz with a manifest of per-table row counts and checksums. "
        "The encryption keys are not included: back them up separately."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="the archive to write, or a folder for it (default: var/backups/shequ-<UTC time>.tar.gz)",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="the database alias (default: default)"
        )

    def handle(self, *args: Any, output: str | None, database: str, **options: Any) -> None:
        try:
            path, manifest = create_backup(output, using=database, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        tables = manifest["tables"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {path} ({path.stat().st_size:,} bytes; {len(tables)} tables, "
                f"{sum(t['rows'] for t in tables.values()):,} rows, {manifest['media']['files']} media files)"
            )
        )
        self.stdout.write(self.style.WARNING(f"WARNING: {KEYS_WARNING}"))
        key_ids = manifest["keys"].get("field_key_ids")
        if key_ids:
            self.stdout.write(
                f"Field key ids in use: {', '.join(key_ids)}; hash key id: {manifest['keys']['hash_key_id']}"
            )
