"""`manage.py refresh_figures`: count the dashboard figures of every community again (docs/insight.md).

Once without options (for cron or a systemd timer); with `--every N` it keeps doing it every N
seconds, and one failed run is logged while the next runs as planned.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from shequ.core.actors import System
from shequ.core.periodic import run_every
from shequ.insight import services

logger = logging.getLogger("shequ.insight.refresh")


class Command(BaseCommand):
    help = (
        "Refresh the snapshot of figures the dashboards of streets, districts and the city read: "
        "every community's population, households, key populations, age bands and cases, one "
        "grouped query per figure. Run it every few minutes: from cron without options, or as a "
        "long-running process with --every 600."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="keep running, once every SECONDS seconds (errors are logged and the loop goes on)",
        )

    def handle(self, *args: Any, every: int | None, verbosity: int = 1, **options: Any) -> None:
        if every is None:
            self._once(report=verbosity > 0)
            return
        run_every(
            every,
            # Quiet at the default verbosity, so `make demo` stays readable.
            lambda: self._once(report=verbosity > 1),
            out=self.stdout.write,
            logger=logger,
            starting=f"Refreshing the figures every {every} s (Ctrl-C stops it).",
            failed="Refreshing the figures failed; trying again in %s s.",
            stopped="Figures job stopped.",
        )

    def _once(self, *, report: bool) -> None:
        done = services.refresh_figures(by=System("figures"))
        if not report:
            return
        when = timezone.localtime(done.refreshed_at)
        self.stdout.write(
            f"Figures at {when:%Y-%m-%d %H:%M}: {done.communities} communities in {done.seconds:.2f} s"
        )
