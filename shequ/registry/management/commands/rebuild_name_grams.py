"""`manage.py rebuild_name_grams [--check] [--all]`: the name index (namegrams.py) against the names.

Every write of a name keeps the index; this is the repair for anything that wrote names around
the code (SQL by hand, a restore of a partial dump). Default: compare every resident's index rows
with their name and rewrite those that differ. `--check` only reports (exit 1 when any differ);
`--all` empties the table and writes it afresh, in one transaction.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from shequ.registry import namegrams
from shequ.registry.models import Resident, ResidentNameGram


class Command(BaseCommand):
    help = "Check the name search index against the residents' names and repair it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="report residents that differ, change nothing"
        )
        parser.add_argument("--all", action="store_true", help="rewrite the whole index")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["all"]:
            with transaction.atomic():
                ResidentNameGram.objects.all().delete()
                done = namegrams.fill(Resident.objects.all())
            self.stdout.write(
                f"rewrote the name index of {done:,} residents in {time.monotonic() - started:.1f} s"
            )
            return
        differing = namegrams.differing()
        if options["check"]:
            for pk, name in differing[:20]:
                self.stdout.write(f"resident {pk} ({name}): index differs from the name")
            if differing:
                raise CommandError(f"{len(differing):,} resident(s) with a stale name index")
            self.stdout.write("the name index matches every resident's name")
            return
        with transaction.atomic():
            namegrams.replace(differing)
        self.stdout.write(
            f"repaired the name index of {len(differing):,} resident(s) in {time.monotonic() - started:.1f} s"
        )
