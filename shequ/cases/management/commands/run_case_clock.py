"""`manage.py run_case_clock`: the periodic job of the case loop (docs/cases.md, "Running the clock").

Once: turn lights yellow and red, fire escalation rules, close cases nobody evaluated in time, and
print what it did. With `--every N` it keeps doing that every N seconds; one failed run is logged
and the next one runs as planned, so a passing database hiccup does not stop the clock.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from shequ.cases import services
from shequ.core.periodic import run_every

logger = logging.getLogger("shequ.cases.clock")

# The counts run_clock returns, in the order a reader expects them.
STEPS = ("warned", "overdue", "remind", "supervise", "escalate", "closed_unevaluated")


def describe(done: dict[str, int]) -> str:
    return ", ".join(f"{key.replace('_', ' ')} {done.get(key, 0)}" for key in STEPS)


class Command(BaseCommand):
    help = (
        "Run the case clock: lights turn yellow at 80 % of a stage's limit and red past it, escalation "
        "rules fire once per stage (remind, supervise, pass up), and cases nobody evaluated within "
        "SHEQU_CASE_EVALUATION_DAYS are closed. Safe to run as often as wanted. Run it every minute: from "
        "cron or a systemd timer without options, or as a long-running process with --every 60."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="keep running, once every SECONDS seconds (errors are logged and the loop goes on)",
        )
        parser.add_argument(
            "--at",
            metavar="ISO_DATETIME",
            help="run once as if at this moment, e.g. 2026-11-23T09:00+08:00 (a time without an offset "
            "is read in the project time zone); for checking what the clock would do",
        )

    def handle(self, *args: Any, every: int | None, at: str | None, **options: Any) -> None:
        moment = self._moment(at) if at else None
        if every is None:
            done = services.run_clock(at=moment)
            when = timezone.localtime(moment or timezone.now())
            self.stdout.write(f"Case clock at {when:%Y-%m-%d %H:%M}: {describe(done)}")
            return
        if moment is not None:
            raise CommandError("--at runs the clock once; it cannot be combined with --every.")
        run_every(
            every,
            self._tick,
            out=self.stdout.write,
            logger=logger,
            starting=f"Running the case clock every {every} s (Ctrl-C stops it).",
            failed="The case clock failed; trying again in %s s.",
            stopped="Case clock stopped.",
        )

    def _tick(self) -> None:
        done = services.run_clock()
        if any(done.values()):  # quiet minutes print nothing, so `make demo` stays readable
            when = timezone.localtime()
            self.stdout.write(f"Case clock at {when:%Y-%m-%d %H:%M}: {describe(done)}")

    def _moment(self, value: str) -> dt.datetime:
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            raise CommandError(f"--at {value!r} is not a date and time like 2026-11-23T09:00+08:00.")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment
