"""`manage.py import_residents FILE [--dry-run] [--errors OUT.xlsx] [--user USERNAME]`.

Operators rely on the output: bad rows first as `第N行 列名: 原因`, then one summary line
`created=N updated=N unchanged=N failed=N` last (then ` skipped=N` when blank or total rows were
skipped). Exit 0 when the file was read (even with bad rows); a CommandError (non-zero) when it
could not be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.registry.imports import UnreadableFile, error_report, run_import


class Command(BaseCommand):
    help = "Import residents (with households, dwellings and buildings) from an .xlsx or .csv file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, store nothing")
        parser.add_argument("--errors", metavar="OUT.xlsx", help="write the bad rows to this .xlsx report")
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="import as this user, within their scope (default: the system, everywhere)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user: Any = System("import")
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"用户“{options['user']}”不存在")
        path = Path(options["file"])
        try:
            result = run_import(path, by=user, dry_run=options["dry_run"])
        except UnreadableFile as exc:
            raise CommandError(f"无法读取文件 {path}: {exc}") from exc
        except RuleError as exc:
            raise CommandError(str(exc.message)) from exc
        if result.ignored_columns:
            self.stdout.write("已忽略的列：" + "、".join(result.ignored_columns))
        for error in result.errors:
            self.stdout.write(error.line())
        if options["errors"]:
            error_report(result.errors, options["errors"])
            self.stdout.write(f"错误报告已写入 {options['errors']}")
        if result.dry_run:
            self.stdout.write("仅检查，未保存任何数据")
        self.stdout.write(result.summary())
