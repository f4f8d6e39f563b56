"""`manage.py seed_demo`: build the demo county (DESIGN "Shape of the demo")."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.places.models import Area
from shequ.registry.demo.accounts import DEMO_PASSWORD
from shequ.registry.demo.builder import DEFAULT_SCALE, DEFAULT_SEED, build_demo


class Command(BaseCommand):
    help = (
        "Build the demo county: Wuyi county (武义县) with its streets, about 20 communities, 230 grids, "
        "780 micro-grids, buildings, households, 100,000 residents with valid ID numbers, key "
        "populations, units and one demo account per role (password in `manage.py demo_accounts`). "
        "The same --seed always gives the same people. The database must have no areas yet: with "
        "--if-empty an already seeded database is left alone (what `make demo` does every time); "
        "without it the command refuses, and you start again from a fresh database (delete the "
        "SQLite file or recreate the PostgreSQL database, then `migrate`; `flush` would also empty the "
        "code tables). Registry history is not written for the seed: it is the starting state. It "
        "refuses to run with SHEQU_PRODUCTION on, because the demo accounts share a published password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"random seed; the same seed gives the same county (default {DEFAULT_SEED})",
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=DEFAULT_SCALE,
            help="about how many residents: 2000 is a tiny county for tests, 100000 the demo "
            f"county, 1000000 a city for benchmarks (default {DEFAULT_SCALE})",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (and succeed) when the database already has areas",
        )

    def handle(self, *args: Any, seed: int, scale: int, if_empty: bool, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(
                "seed_demo refuses to run with SHEQU_PRODUCTION on: demo accounts have a public password."
            )
        if Area.objects.exists():
            if if_empty:
                self.stdout.write("The database already has areas: not seeding the demo county (--if-empty).")
                return
            raise CommandError(
                "The database already has areas. seed_demo only seeds an empty database; use --if-empty to "
                "skip, or start from a fresh database (delete the SQLite file or recreate the PostgreSQL database, then migrate)."
            )
        if not 100 <= scale <= 20_000_000:
            raise CommandError("--scale must be between 100 and 20,000,000 residents.")
        started = time.monotonic()
        self.stdout.write(f"Seeding the demo county (seed {seed}, scale {scale:,} residents)…")
        counts = build_demo(seed=seed, scale=scale, out=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {time.monotonic() - started:.1f} s: {counts.areas} areas, {counts.grids} grids, "
                f"{counts.micro_grids} micro-grids, {counts.buildings:,} buildings, {counts.dwellings:,} dwellings, "
                f"{counts.households:,} households, {counts.residents:,} residents, {counts.tags:,} key-population "
                f"tags, {counts.organizations:,} units, {counts.life_events:,} life events."
            )
        )
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}): see `manage.py demo_accounts`.")
