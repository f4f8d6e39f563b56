"""The RQ backend (`SHEQU_TASK_BACKEND=rq`) against a real Redis and real `manage.py rqworker`
processes: an import enqueued on RQ runs on a worker; a worker killed mid-import gets its job back
through `requeue_stale_tasks --worker-id` and the rerun doubles nothing; a job whose work-horse
dies every time is failed after `--max-attempts`, and a job that merely raised is left alone.

Redis: `SHEQU_TEST_REDIS_URL` (default DB 15 of the local server). Each test uses a queue of its
own name, and its workers are named after it, so parallel runs share that DB without meeting; a
test deletes only its own keys, never the DB. Without a reachable Redis these tests are skipped,
except on CI (`CI` set), where Redis is part of the machine and its absence is a failure.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django_rq
import pytest
import redis
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django_tasks import task, task_backends
from django_tasks.base import TaskResultStatus
from rq.job import Job, JobStatus
from rq.queue import Queue
from rq.worker import Worker

from shequ.core.stale_rq import DEATHS
from shequ.core.stale_tasks import requeue_stale_tasks
from shequ.registry.models import ImportJob, ImportStatus
from shequ.registry.tasks import run_import_job
from shequ.registry.tests.test_faults import (
    BATCH,
    DIE_AT,
    ROWS,
    STALL,
    _stalled_backends,
    assert_complete,
    assert_whole_batches,
    city_file,
    database_on_disk,
    stalls_at_history_row,
)
from shequ.testing import County

REDIS_URL = os.environ.get("SHEQU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@task()
def die_in_the_work_horse() -> None:
    """A job that kills the process running it, as the OOM killer would (imported by the worker)."""
    os.kill(os.getpid(), signal.SIGKILL)


@task()
def raise_an_error() -> None:
    raise ValueError("an ordinary failure")


@dataclass
class RQ:
    queue: str
    redis: redis.Redis

    def worker_env(self, database_url: str | None = None, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "shequ.settings",
            "SHEQU_TASK_BACKEND": "rq",
            "SHEQU_RQ_URL": REDIS_URL,
            "SHEQU_RQ_QUEUES": self.queue,
            **extra,
        }
        if database_url:
            env["DATABASE_URL"] = database_url
        return env

    def worker_args(self, name: str) -> list[str]:
        # What the systemd unit runs, in burst mode: work the queue until it is empty, then stop.
        return ["rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "--name", name, self.queue]

    def run_worker(self, name: str, database_url: str | None = None, **extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *self.worker_args(name)],
            cwd=django_settings.BASE_DIR,
            env=self.worker_env(database_url, **extra),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    def job(self, job_id: str) -> Job:
        return Job.fetch(job_id, connection=self.redis)


@pytest.fixture
def rq(settings: Any) -> Iterator[RQ]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is unreachable on CI: {error}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable ({error}): start redis-server to run the RQ tests")
    queue = f"shequ-test-{uuid.uuid4().hex[:12]}"
    # `default` as in production (django-rq's connection is the default queue's), left unused here.
    settings.RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600} for name in ("default", queue)}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue]}}
    try:
        yield RQ(queue=queue, redis=client)
    finally:
        # Our queue's keys and those of its jobs (ids in the queue's registries or in job keys).
        job_ids = {
            k.decode().split(":")[2]
            for k in client.scan_iter("rq:job:*")
            if queue in str(client.hget(k, "origin"))
        }
        for pattern in [f"*{queue}*", *(f"*{job_id}*" for job_id in job_ids)]:
            for key in client.scan_iter(pattern):
                client.delete(key)
        for index in ("rq:queues", "rq:workers"):  # RQ's lists of every queue and worker
            ours = [m for m in client.smembers(index) if queue in m.decode()]
            if ours:
                client.srem(index, *ours)
        client.close()


def test_settings_switch_to_rq_with_an_alias() -> None:
    """`SHEQU_TASK_BACKEND=rq` selects the RQ backend, installs django_rq and points at SHEQU_RQ_URL."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.TASKS['default']['BACKEND'], 'django_rq' in s.INSTALLED_APPS, s.RQ_QUEUES['default']['URL'], "
        "s.RQ_QUEUES['default']['DEFAULT_TIMEOUT'])"
    )

    def seen(env: dict[str, str]) -> list[str]:
        return subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=django_settings.BASE_DIR,
        ).stdout.split()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shequ.settings", "SHEQU_TASK_BACKEND": "rq"}
    env["SHEQU_RQ_URL"] = "redis://redis.internal:6379/2"
    out = seen(env)
    assert out == ["django_tasks_rq.RQBackend", "True", "redis://redis.internal:6379/2", "10800"]
    env.pop("SHEQU_TASK_BACKEND")
    out = seen(env)
    assert out[:2] == ["django_tasks_db.DatabaseBackend", "False"]  # the database queue stays the default


def _import_job(county: County, tmp_path: Path, settings: Any, rows: int) -> tuple[ImportJob, list[str]]:
    settings.SHEQU_IMPORT_BATCH_SIZE = BATCH
    settings.MEDIA_ROOT = tmp_path
    path, digests = city_file(county, tmp_path / "city.csv", rows=rows)
    job = ImportJob.objects.create(
        file=ContentFile(path.read_bytes(), name="city.csv"), original_name="city.csv"
    )
    return job, digests


@pytest.mark.django_db(transaction=True)
def test_an_import_enqueued_on_rq_runs_on_an_rq_worker(
    rq: RQ, county: County, tmp_path: Path, settings: Any
) -> None:
    job, digests = _import_job(county, tmp_path, settings, rows=90)
    result = run_import_job.using(queue_name=rq.queue).enqueue(job.pk)
    assert rq.job(result.id).get_status() == JobStatus.QUEUED
    assert rq.job(result.id).timeout == 600  # the queue's DEFAULT_TIMEOUT, not RQ's 180 s

    with database_on_disk(tmp_path) as url:
        rq.run_worker(f"{rq.queue}-w1", url, MEDIA_ROOT=str(tmp_path))

    job.refresh_from_db()
    assert (job.status, job.created, job.failed) == (ImportStatus.DONE, 90, 0)
    assert_complete(digests)
    task_result = task_backends["default"].get_result(result.id)
    assert task_result.status == TaskResultStatus.SUCCESSFUL
    assert task_result.return_value["created"] == 90


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _kill_worker_when_stalled(rq: RQ, name: str, database_url: str, media: Path) -> None:
    """Run an RQ worker (and the work-horse it forks) until the import stalls inside a batch, then
    SIGKILL the whole process group: the machine or the worker's cgroup went away."""
    child = subprocess.Popen(
        [sys.executable, "-c", STALL, *rq.worker_args(name)],
        cwd=django_settings.BASE_DIR,
        env=rq.worker_env(
            database_url,
            MEDIA_ROOT=str(media),
            SHEQU_IMPORT_BATCH_SIZE=str(BATCH),
            STALL_AT=str(DIE_AT),
            PGOPTIONS="-c client_connection_check_interval=100",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    watchdog = threading.Timer(90, lambda: os.killpg(child.pid, signal.SIGKILL))  # never hang the suite
    watchdog.start()
    seen: list[str] = []
    try:
        if connection.vendor == "sqlite":
            assert child.stdout is not None
            while (line := child.stdout.readline()) and line.strip() != "STALLED":
                seen.append(line)
            stalled = line.strip() == "STALLED"
        else:
            while not (stalled := bool(_stalled_backends())) and child.poll() is None:
                time.sleep(0.05)
        if not stalled:
            pytest.fail(f"the worker never stalled: {''.join(seen)}")
        # The work-horse runs in a session of its own (RQ calls setsid): kill it too, after the
        # worker, so that no living worker sees its horse die.
        horses = _children(child.pid)
        os.killpg(child.pid, signal.SIGKILL)
        for pid in horses:
            os.kill(pid, signal.SIGKILL)
        child.wait(timeout=30)
        if connection.vendor == "postgresql":
            deadline = time.monotonic() + 15
            while (pids := _stalled_backends()) and time.monotonic() < deadline:
                time.sleep(0.05)
            with connection.cursor() as cursor:
                for pid in pids:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        watchdog.cancel()
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.communicate()


@pytest.mark.django_db(transaction=True)
def test_rq_worker_killed_mid_import_gets_the_job_back_and_the_rerun_doubles_nothing(
    rq: RQ, county: County, tmp_path: Path, settings: Any
) -> None:
    job, digests = _import_job(county, tmp_path, settings, rows=ROWS)
    result = run_import_job.using(queue_name=rq.queue).enqueue(job.pk)
    worker = f"{rq.queue}-w1"

    with stalls_at_history_row(DIE_AT), database_on_disk(tmp_path) as url:
        _kill_worker_when_stalled(rq, worker, url, tmp_path)
    rq_job = rq.job(result.id)
    assert (rq_job.get_status(), rq_job.worker_name) == (JobStatus.STARTED, worker)  # left for dead
    assert ImportJob.objects.get().status == ImportStatus.RUNNING
    stored = assert_whole_batches(digests)

    # systemd's ExecStartPre before the worker of that name starts again.
    call_command("requeue_stale_tasks", worker_id=worker, stdout=(out := io.StringIO()))
    assert "1 requeued, 0 failed" in out.getvalue()
    rq_job = rq.job(result.id)
    assert (rq_job.get_status(), rq_job.meta[DEATHS]) == (JobStatus.QUEUED, [worker])

    with database_on_disk(tmp_path) as url:  # the same name registers again at once
        rq.run_worker(worker, url, MEDIA_ROOT=str(tmp_path), SHEQU_IMPORT_BATCH_SIZE=str(BATCH))

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.created, job.unchanged, job.failed) == (ROWS - stored, stored, 0)
    assert_complete(digests)
    assert task_backends["default"].get_result(result.id).status == TaskResultStatus.SUCCESSFUL


def test_a_job_whose_work_horse_keeps_dying_is_requeued_then_failed_and_an_error_is_left_alone(
    rq: RQ,
) -> None:
    dies = die_in_the_work_horse.using(queue_name=rq.queue).enqueue()
    raises = raise_an_error.using(queue_name=rq.queue).enqueue()
    worker = f"{rq.queue}-w1"
    for attempt in (1, 2):
        log = rq.run_worker(worker)
        assert "Work-horse terminated unexpectedly" in log
        assert rq.job(dies.id).get_status() == JobStatus.FAILED
        call_command("requeue_stale_tasks", worker_id=worker, max_attempts=2, stdout=(out := io.StringIO()))
        if attempt == 1:
            assert "1 requeued, 0 failed" in out.getvalue()
            assert rq.job(dies.id).get_status() == JobStatus.QUEUED
        else:
            assert "0 requeued, 1 failed" in out.getvalue()
    assert rq.job(dies.id).meta[DEATHS] == [worker, worker]
    failed = django_rq.get_queue(rq.queue).failed_job_registry
    assert set(failed.get_job_ids()) == {dies.id, raises.id}  # both failed, neither queued again
    lost = task_backends["default"].get_result(dies.id)
    assert lost.status == TaskResultStatus.FAILED
    assert lost.errors[0].exception_class_path == "shequ.core.stale_tasks.WorkerLost"  # newest first
    assert "died while running this task, 2 times" in lost.errors[0].traceback
    assert (
        task_backends["default"].get_result(raises.id).errors[0].exception_class_path == "builtins.ValueError"
    )
    # Nothing else is taken: not the error, not the job given up on, whatever their age.
    call_command("requeue_stale_tasks", older_than=1, worker_id=worker, stdout=(out := io.StringIO()))
    assert "0 requeued, 0 failed" in out.getvalue()


def test_a_job_abandoned_by_a_lost_worker_is_requeued_once_older_than_the_limit(rq: RQ) -> None:
    """A worker that never comes back: its job's heartbeat lapses, RQ records it abandoned, and the
    cron's `--older-than` takes it back; a job still running on a living worker is left alone."""
    lost = raise_an_error.using(queue_name=rq.queue).enqueue()
    running = raise_an_error.using(queue_name=rq.queue).enqueue()
    queue = django_rq.get_queue(rq.queue)
    for name in ("gone", "alive"):  # each worker takes one job, as far as starting it
        worker = Worker([queue], connection=rq.redis, name=f"{rq.queue}-{name}")
        worker.register_birth()
        job, _ = Queue.dequeue_any([queue], None, connection=rq.redis)
        worker.prepare_execution(job)
        with rq.redis.pipeline() as pipeline:
            job.prepare_for_execution(worker.name, pipeline)
            pipeline.execute()
    # The lost worker's heartbeat lapses (RQ gives it 90 s after the last one); the command runs
    # RQ's own clean-up, which records the job abandoned.
    registry = queue.started_job_registry
    for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
        if job_id == lost.id:
            rq.redis.zadd(registry.key, {f"{job_id}:{execution_id}": 0})

    done = requeue_stale_tasks(older_than=dt.timedelta(hours=1))
    assert (done.requeued, done.failed) == ([], [])  # started less than an hour ago
    assert rq.job(lost.id).get_status() == JobStatus.FAILED
    assert "AbandonedJobError" in rq.job(lost.id).latest_result().exc_string
    done = requeue_stale_tasks(older_than=dt.timedelta(0))
    assert (done.requeued, done.failed) == ([lost.id], [])
    assert rq.job(lost.id).get_status() == JobStatus.QUEUED
    assert rq.job(lost.id).meta[DEATHS] == [f"{rq.queue}-gone"]
    assert rq.job(running.id).get_status() == JobStatus.STARTED  # its worker is alive
