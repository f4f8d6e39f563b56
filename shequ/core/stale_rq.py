"""`requeue_stale_tasks` for the RQ backend (`SHEQU_TASK_BACKEND=rq`; shequ/core/stale_tasks.py).

RQ does not run a job again when the process running it dies, it records the job as failed:

- the work-horse (the child a worker forks per job) is killed under a living worker, e.g. by the
  OOM killer: the worker moves the job to the queue's failed registry at once, "Work-horse
  terminated unexpectedly";
- the whole worker dies (`kill -9`, a lost machine): the job stays in the started registry until
  its heartbeat lapses (about 90 s), then the next registry clean-up (any worker's, every 10
  minutes, or this command's) moves it to the failed registry as an `AbandonedJobError`.

Such a job never ran to its end, and shequ's tasks keep their progress in our own rows and are
safe to run twice (the resident import is), so this module puts it back in its queue, on the same
terms as the database queue: `worker_id` takes the jobs of the named worker, which is known to be
dead because a worker of that name is starting again (systemd `ExecStartPre`), including the ones
it still holds in the started registry; `older_than` takes those started longer ago than that.
A job a worker died on `max_attempts` times is left failed, as `WorkerLost`. A job that failed
for any other reason (an exception, RQ's own timeout, a stop by an operator) is left alone.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import django_rq
from django.utils import timezone
from django_tasks_rq.backend import Job, RQBackend
from rq.exceptions import NoSuchJobError
from rq.job import JobStatus
from rq.queue import Queue
from rq.results import Result
from rq.worker import Worker

from .stale_tasks import LOST, Requeued

# meta of a job: the workers that died while running it, one name per death.
DEATHS = "shequ_worker_deaths"
# How RQ words a failure whose process died (the cases in the module docstring).
DIED = ("AbandonedJobError", "Work-horse terminated unexpectedly")


def requeue_stale_jobs(
    backend: RQBackend, *, worker_id: str | None, older_than: dt.timedelta | None, max_attempts: int
) -> Requeued:
    """Put the jobs of dead RQ workers back in their queue (or leave them failed after `max_attempts`)."""
    cutoff = timezone.now() - older_than if older_than is not None else None
    done = Requeued()
    for name in sorted(backend.queues):
        queue = django_rq.get_queue(name, job_class=Job)
        if worker_id:
            _take_back_started(queue, worker_id, max_attempts, done)
            _forget_worker(queue, worker_id)
        # RQ's own clean-up: started jobs whose heartbeat lapsed go to the failed registry.
        queue.started_job_registry.cleanup()
        failed = queue.failed_job_registry
        for job_id in failed.get_job_ids(cleanup=False):
            job = _fetch(queue, job_id)
            death = _death(job) if job is not None else None
            if job is None or death is None:
                continue
            # A dead horse's worker saves the job without its worker or start (the horse set
            # them): the failure's own record has the worker, and a time no earlier than the start.
            died_on = death.worker_name or job.worker_name or "?"
            started = job.started_at or death.created_at
            mine = bool(worker_id) and died_on == worker_id
            old = cutoff is not None and started is not None and started < cutoff
            # Claimed by removing it from the registry: of two commands at once, one wins.
            if (mine or old) and queue.connection.zrem(failed.key, job.id):
                _requeue_or_give_up(queue, job, died_on, max_attempts, done)
    return done


def _take_back_started(queue: Queue, worker_id: str, max_attempts: int, done: Requeued) -> None:
    """The jobs a dead worker of this name still holds as running (its heartbeat not lapsed yet)."""
    registry = queue.started_job_registry
    for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
        job = _fetch(queue, job_id)
        if job is None or job.worker_name != worker_id:
            continue
        if queue.connection.zrem(registry.key, f"{job_id}:{execution_id}"):
            _requeue_or_give_up(queue, job, worker_id, max_attempts, done)


def _forget_worker(queue: Queue, worker_id: str) -> None:
    """Mark the dead worker dead, so its successor may register under the same name at once
    (RQ refuses a name whose registration has not expired, for up to 8 minutes)."""
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + worker_id, connection=queue.connection)
    if worker is not None:
        worker.register_death()


def _requeue_or_give_up(queue: Queue, job: Job, died_on: str, max_attempts: int, done: Requeued) -> None:
    deaths = [*job.meta.get(DEATHS, []), died_on]
    job.meta[DEATHS] = deaths
    if len(deaths) >= max_attempts:
        message = (
            f"{LOST}: the worker died while running this task, {len(deaths)} times "
            f"(workers {', '.join(deaths)}); not retried again\n"
        )
        job.meta.setdefault("_django_tasks_rq_exceptions", []).append(LOST)  # the task result's error
        job.ended_at = timezone.now()
        with queue.connection.pipeline() as pipeline:
            job.set_status(JobStatus.FAILED, pipeline=pipeline)
            job.save(pipeline=pipeline)
            queue.failed_job_registry.add(job, ttl=job.failure_ttl, exc_string=message, pipeline=pipeline)
            Result.create_failure(
                job, job.failure_ttl, exc_string=message, worker_name=died_on, pipeline=pipeline
            )
            pipeline.execute()
        done.failed.append(job.id)
        return
    job.started_at = job.ended_at = None
    job.save()
    queue.enqueue_job(job)
    done.requeued.append(job.id)


def _fetch(queue: Queue, job_id: str) -> Job | None:
    try:
        return cast(Job, Job.fetch(job_id, connection=queue.connection))
    except NoSuchJobError:
        return None


def _death(job: Job) -> Result | None:
    """The job's last failure, if it was the death of the process running it."""
    result = job.latest_result()
    if result is None or result.type != Result.Type.FAILED:
        return None
    return result if any(mark in (result.exc_string or "") for mark in DIED) else None
