"""`manage.py requeue_stale_tasks [--worker-id ID] [--older-than MINUTES] [--max-attempts N]`:
re-run background jobs whose worker died mid-job (shequ/core/stale_tasks.py, docs/operations.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.core.stale_tasks import requeue_stale_tasks


class Command(BaseCommand):
    help = (
        "Put background tasks left RUNNING by a dead worker back in the queue (django-tasks-db does "
        "not). --worker-id ID before (re)starting the worker with that id; --older-than MINUTES from "
        "cron, longer than the longest job. A task tried --max-attempts times is marked failed instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--worker-id", help="tasks this worker id was running when it died")
        parser.add_argument(
            "--older-than", type=int, metavar="MINUTES", help="tasks RUNNING for longer than this"
        )
        parser.add_argument(
            "--max-attempts", type=int, default=3, help="tries before a task is failed instead (default 3)"
        )

    def handle(
        self, *args: Any, worker_id: str | None, older_than: int | None, max_attempts: int, **options: Any
    ) -> None:
        if not worker_id and older_than is None:
            raise CommandError("give --worker-id, --older-than, or both")
        if older_than is not None and older_than < 1:
            raise CommandError("--older-than is at least 1 minute")
        done = requeue_stale_tasks(
            worker_id=worker_id or None,
            older_than=dt.timedelta(minutes=older_than) if older_than is not None else None,
            max_attempts=max_attempts,
        )
        for pk in done.requeued:
            self.stdout.write(f"requeued task {pk}")
        for pk in done.failed:
            self.stdout.write(
                self.style.WARNING(f"task {pk}: its worker died {max_attempts} times; marked failed")
            )
        self.stdout.write(f"{len(done.requeued)} requeued, {len(done.failed)} failed")
