"""`manage.py restore ARCHIVE [--yes]`: restore a `manage.py backup` archive, then prove it by
comparing every table's row count and checksum with the manifest (non-zero exit on any mismatch)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from shequ.core.backup import KEYS_WARNING, BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive into the database and MEDIA_ROOT, then verify every table against "
        "its manifest. Refuses a database that is not empty unless --yes. Stop the app servers and "
        "task workers first. The encryption keys must be installed separately."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="a .tar.gz written by `manage.py backup`")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="overwrite a database that is not empty (everything in it is replaced)",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="the database alias (default: default)"
        )

    def handle(self, *args: Any, archive: str, yes: bool, database: str, **options: Any) -> None:
        try:
            report = restore_backup(archive, using=database, force=yes, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = report.manifest
        self.stdout.write(
            f"Backup of {manifest['created_at']} (shequ {manifest['app_version']}, "
            f"{len(manifest['tables'])} tables, {manifest['media']['files']} media files)"
        )
        for note in report.notes:
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write(self.style.WARNING(f"WARNING: {KEYS_WARNING}"))
        if report.problems:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"the restore does not match the backup: {len(report.problems)} problems (above)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Restored and verified: every table matches the backup's row counts and checksums."
            )
        )
