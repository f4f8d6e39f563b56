"""Give a background job back to the queue when the worker that ran it died.

django-tasks-db marks a task RUNNING when a worker claims it and only the same worker marks it
done; a worker killed mid-job (OOM killer, `kill -9`, a host that went away) leaves it RUNNING
forever, and nothing runs it again. `manage.py requeue_stale_tasks` puts such tasks back to READY:

- `--worker-id ID` before starting the worker with that id (systemd `ExecStartPre`): a worker runs
  one task at a time, so whatever this id still holds RUNNING belongs to its dead predecessor;
- `--older-than MINUTES` from cron, for a worker that never comes back: longer than the longest
  job (a city-wide import), or a job still running would be started a second time.

A task is re-run from the start, so every task must be safe to run twice: the resident import is
(residents are matched by the keyed digest of their ID number and each batch commits whole). A
task that has already been tried `max_attempts` times is marked FAILED instead: a file that kills
its worker every time must not do so for ever.

With the RQ backend (`SHEQU_TASK_BACKEND=rq`) the same command, on the same terms, takes back the
jobs RQ recorded as failed because their worker died (shequ/core/stale_rq.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

LOST = "shequ.core.stale_tasks.WorkerLost"


class WorkerLost(Exception):
    """Recorded on a task whose worker died too often while running it."""


@dataclass
class Requeued:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def requeue_stale_tasks(
    *, worker_id: str | None = None, older_than: dt.timedelta | None = None, max_attempts: int = 3
) -> Requeued:
    """Put RUNNING tasks of a dead worker back to READY (or FAILED after `max_attempts` tries)."""
    if worker_id is None and older_than is None:
        raise ValueError("say which tasks are stale: a worker id, an age, or both")
    backend = task_backends["default"]
    if type(backend).__module__.startswith("django_tasks_rq"):  # rq is imported only when in use
        from .stale_rq import requeue_stale_jobs

        return requeue_stale_jobs(
            backend,  # type: ignore[arg-type]
            worker_id=worker_id,
            older_than=older_than,
            max_attempts=max_attempts,
        )
    now = timezone.now()
    done = Requeued()
    for task in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).order_by("started_at"):
        mine = worker_id is not None and task.worker_ids and task.worker_ids[-1] == worker_id
        old = older_than is not None and task.started_at is not None and task.started_at < now - older_than
        if not (mine or old):
            continue
        with transaction.atomic():
            # Only if nobody finished or re-claimed it meanwhile (started_at changes on a claim).
            claimed = DBTaskResult.objects.select_for_update().filter(
                pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
            )
            if len(task.worker_ids) >= max_attempts:
                changed = claimed.update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    exception_class_path=LOST,
                    traceback=(
                        f"{LOST}: the worker died while running this task, {len(task.worker_ids)} "
                        f"times (workers {', '.join(task.worker_ids)}); not retried again\n"
                    ),
                )
                if changed:
                    done.failed.append(str(task.pk))
            elif claimed.update(status=TaskResultStatus.READY, started_at=None):
                done.requeued.append(str(task.pk))
    return done
