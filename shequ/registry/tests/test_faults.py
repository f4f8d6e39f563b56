"""Faults: an import that dies halfway leaves whole batches (each batch is stored entirely or not
at all) and running it again completes it without duplicates; a worker killed mid-job gets its job
back through `requeue_stale_tasks`, and the second run doubles nothing.

Where the import dies is set by a trigger on the residents' history table, so the tests hold
whatever way the import writes its rows (ORM, executemany or COPY): history rows are written after
the batch's residents, so when the trigger fires, a batch's residents are written and not yet
committed. In-process, the trigger raises. Two tests really kill a process with SIGKILL (`manage.py
import_residents`, `manage.py db_worker`) against a database on disk (the test's own PostgreSQL
database, or on SQLite a file copy of the in-memory test database that is copied back afterwards):
there the trigger makes the child stall at that point (a Python function on SQLite, pg_sleep on
PostgreSQL) and the test kills it. Each takes a few seconds, most of it the child's start-up.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from shequ.core.actors import System
from shequ.core.idnumber import make as make_id
from shequ.registry import pii
from shequ.registry.imports import run_import
from shequ.registry.models import Building, Dwelling, Household, ImportJob, ImportStatus, Resident
from shequ.registry.tasks import run_import_job
from shequ.testing import County

ROWS = 1500
BATCH = 50
HEADERS = [
    "姓名",
    "身份证号码",
    "性别",
    "出生日期",
    "网格编码",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "户号",
    "与户主关系",
    "人员标签",
]
HISTORY = "registry_historicalresident"
DIE_AT = 230  # the 230th history row: in the middle of the fifth batch of 50


# --- the file ------------------------------------------------------------------------------------


def city_file(county: County, path: Path, rows: int = ROWS) -> tuple[Path, list[str]]:
    """A clean file of `rows` residents, three to a household and a flat, in four grids; returns it
    and the residents' ID digests in file order (batch k is digests[k*BATCH:(k+1)*BATCH])."""
    grids = [county.grid_a1_1, county.grid_a1_2, county.grid_a2_1, county.grid_b1_1]
    lines, digests = [",".join(HEADERS)], []
    for i in range(rows):
        household = i // 3
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=i // 10)
        number = make_id("330723", birth, 600 + i % 10)
        digests.append(pii.id_digest(number))
        lines.append(
            ",".join(
                [
                    f"故障{i}",
                    number,
                    "男" if i % 2 else "女",
                    birth.isoformat(),
                    grids[household % 4].code,
                    "故障小区",
                    f"{household % 7 + 1}幢",
                    "1",
                    str(100 + household),
                    f"F{household}",
                    "户主" if i % 3 == 0 else "子",
                    "独居老人" if i % 17 == 0 else "",
                ]
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, digests


def stored_per_batch(digests: list[str]) -> list[int]:
    stored = set(
        Resident.objects.filter(id_number_digest__in=digests).values_list("id_number_digest", flat=True)
    )
    return [sum(d in stored for d in digests[k : k + BATCH]) for k in range(0, len(digests), BATCH)]


def assert_whole_batches(digests: list[str]) -> int:
    """Every batch is either all stored or not at all, nothing a batch creates outlives it; returns
    how many residents are stored."""
    counts = stored_per_batch(digests)
    assert set(counts) <= {0, BATCH}, counts
    stored = sum(counts)
    assert 0 < stored < len(digests), counts  # it died halfway, not before or after
    ours = Household.objects.filter(number__startswith="F")
    assert not ours.filter(members=None).exists()  # no household of a rolled-back batch
    assert not Dwelling.objects.filter(building__estate="故障小区", residents=None).exists()
    return stored


def assert_complete(digests: list[str]) -> None:
    """The state a clean single run leaves: each resident once, with one creation record each."""
    ours = Resident.objects.filter(id_number_digest__in=digests)
    assert ours.count() == len(digests) == len(set(ours.values_list("id_number_digest", flat=True)))
    history = Resident.history.filter(id_number_digest__in=digests)  # type: ignore[attr-defined]
    assert history.count() == len(digests)
    assert Household.objects.filter(number__startswith="F").count() == (len(digests) + 2) // 3
    assert Dwelling.objects.filter(building__estate="故障小区").count() == (len(digests) + 2) // 3
    assert Building.objects.filter(estate="故障小区").count() == 7 * 3  # 7 buildings in 3 communities
    heads = Household.objects.filter(number__startswith="F", head__isnull=False).count()
    assert heads == (len(digests) + 2) // 3


def model_counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


@contextmanager
def import_dies_at_history_row(n: int) -> Iterator[None]:
    """Make the `n`-th history row of a resident fail, inside its batch's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("CREATE TEMP TABLE fault_count (n integer)")
            cursor.execute("INSERT INTO fault_count VALUES (0)")
            cursor.execute(
                f"CREATE TEMP TRIGGER fault_kill AFTER INSERT ON {HISTORY} BEGIN "  # noqa: S608
                "UPDATE fault_count SET n = n + 1; "
                f"SELECT RAISE(ABORT, 'killed by the test') WHERE (SELECT n FROM fault_count) = {n}; END"
            )
        else:
            cursor.execute("CREATE SEQUENCE fault_count")
            cursor.execute(
                "CREATE FUNCTION fault_kill() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF nextval('fault_count') = {n} THEN RAISE EXCEPTION 'killed by the test'; END IF; "
                "RETURN NULL; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER fault_kill AFTER INSERT ON {HISTORY} FOR EACH ROW EXECUTE FUNCTION fault_kill()"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER fault_kill")
                cursor.execute("DROP TABLE fault_count")
            else:
                cursor.execute(f"DROP TRIGGER fault_kill ON {HISTORY}")
                cursor.execute("DROP FUNCTION fault_kill()")
                cursor.execute("DROP SEQUENCE fault_count")


def test_an_import_that_dies_inside_a_batch_keeps_whole_batches_and_a_rerun_completes_it(
    county: County, tmp_path: Path, settings: Any
) -> None:
    settings.SHEQU_IMPORT_BATCH_SIZE = BATCH
    path, digests = city_file(county, tmp_path / "city.csv", rows=600)
    with transaction.atomic():  # what one clean run leaves, then forgotten
        clean_result = run_import(path, by=System("test"))
        clean = model_counts()
        transaction.set_rollback(True)
    assert clean_result.created == 600 and clean_result.failed == 0

    with import_dies_at_history_row(DIE_AT), pytest.raises(Exception, match="killed by the test"):
        run_import(path, by=System("test"))
    stored = assert_whole_batches(digests)

    result = run_import(path, by=System("test"))
    assert (result.created, result.unchanged, result.failed) == (600 - stored, stored, 0)
    assert_complete(digests)
    # Every table as after one clean run; the audit log also keeps the dead run's stored batches,
    # each audited in its own transaction with its rows.
    counts, expected = model_counts(), dict(clean)
    expected["audit.AuditEvent"] += stored // BATCH
    assert counts == expected


# --- real kills --------------------------------------------------------------------------------

# The child: on SQLite a temporary trigger calls back into Python, which says so and sleeps (on
# PostgreSQL the test's trigger sleeps in the server). A stalled batch has written its residents.
STALL = r"""
import os, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db.backends.signals import connection_created

calls = 0

def stall():
    global calls
    calls += 1
    if calls == int(os.environ["STALL_AT"]):
        print("STALLED", flush=True)
        time.sleep(120)
    return 0

def install(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("fault_stall", 0, stall)
        connection.connection.execute(
            "CREATE TEMP TRIGGER IF NOT EXISTS fault_stall AFTER INSERT ON registry_historicalresident "
            "BEGIN SELECT fault_stall(); END"
        )

connection_created.connect(install)
call_command(*sys.argv[1:])
print("FINISHED", flush=True)
"""


@contextmanager
def stalls_at_history_row(n: int) -> Iterator[None]:
    """PostgreSQL: the `n`-th history row sleeps in the server, its batch's transaction open."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE fault_stall_count")
        cursor.execute(
            "CREATE FUNCTION fault_stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF nextval('fault_stall_count') = {n} THEN PERFORM pg_sleep(120); END IF; RETURN NULL; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER fault_stall AFTER INSERT ON {HISTORY} FOR EACH ROW EXECUTE FUNCTION fault_stall()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER fault_stall ON {HISTORY}")
            cursor.execute("DROP FUNCTION fault_stall()")
            cursor.execute("DROP SEQUENCE fault_stall_count")


def _stalled_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'"
        )
        return [row[0] for row in cursor.fetchall()]


@contextmanager
def database_on_disk(tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL a child process can use for the test's data. SQLite: the in-memory test
    database is copied to a file, and copied back when the child is done."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
        yield f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        return
    file = tmp_path / "child.sqlite3"
    _sqlite_copy(sqlite3.connect(s["NAME"], uri=True), sqlite3.connect(file))
    yield f"sqlite:///{file}"
    _sqlite_copy(sqlite3.connect(file), sqlite3.connect(s["NAME"], uri=True))


def _sqlite_copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def run_and_kill(args: list[str], database_url: str, media: Path) -> None:
    """Run `manage.py <args>` in a child process, wait until it stalls inside a batch, SIGKILL it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shequ.settings",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "SHEQU_IMPORT_BATCH_SIZE": str(BATCH),
        "SHEQU_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "STALL_AT": str(DIE_AT),
        # The server notices a client that died in the middle of a statement (PostgreSQL 14+).
        "PGOPTIONS": "-c client_connection_check_interval=100",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", STALL, *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, child.kill)  # never hang the suite
    watchdog.start()
    try:
        if connection.vendor == "sqlite":
            line = child.stdout.readline() if child.stdout else ""
            stalled = line.strip() == "STALLED"
        else:
            while not (stalled := bool(_stalled_backends())) and child.poll() is None:
                time.sleep(0.05)
        if not stalled:
            child.kill()
            pytest.fail(f"the child never stalled: {child.communicate()}")
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
        if connection.vendor == "postgresql":
            # The server ends the dead client's statement and rolls its transaction back.
            deadline = time.monotonic() + 15
            while (pids := _stalled_backends()) and time.monotonic() < deadline:
                time.sleep(0.05)
            with (
                connection.cursor() as cursor
            ):  # (without client_connection_check_interval: at the end of pg_sleep)
                for pid in pids:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
        child.communicate()


@pytest.mark.django_db(transaction=True)
def test_import_command_killed_with_sigkill_keeps_whole_batches_and_a_rerun_completes_it(
    county: County, tmp_path: Path, settings: Any
) -> None:
    settings.SHEQU_IMPORT_BATCH_SIZE = BATCH
    path, digests = city_file(county, tmp_path / "city.csv")
    with stalls_at_history_row(DIE_AT), database_on_disk(tmp_path) as url:
        run_and_kill(["import_residents", str(path)], url, tmp_path)
    stored = assert_whole_batches(digests)

    call_command("import_residents", str(path), stdout=(out := io.StringIO()))
    assert out.getvalue().strip().endswith(f"created={ROWS - stored} updated=0 unchanged={stored} failed=0")
    assert_complete(digests)


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_job_gets_the_job_back_and_the_rerun_doubles_nothing(
    county: County, tmp_path: Path, settings: Any
) -> None:
    settings.SHEQU_IMPORT_BATCH_SIZE = BATCH
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    path, digests = city_file(county, tmp_path / "city.csv")
    job = ImportJob.objects.create(
        file=ContentFile(path.read_bytes(), name="city.csv"), original_name="city.csv"
    )
    run_import_job.enqueue(job.pk)

    with stalls_at_history_row(DIE_AT), database_on_disk(tmp_path) as url:
        run_and_kill(["db_worker", "--batch", "--no-startup-delay", "--worker-id", "worker-1"], url, tmp_path)
    task = DBTaskResult.objects.get()
    assert (task.status, task.worker_ids) == (TaskResultStatus.RUNNING, ["worker-1"])  # left for dead
    assert ImportJob.objects.get().status == ImportStatus.RUNNING
    stored = assert_whole_batches(digests)

    call_command("requeue_stale_tasks", worker_id="worker-1", stdout=(out := io.StringIO()))
    assert "1 requeued" in out.getvalue()
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="worker-2",
        excluded_queue_names=[],
    ).run()

    task.refresh_from_db()
    assert (task.status, task.worker_ids) == (TaskResultStatus.SUCCESSFUL, ["worker-1", "worker-2"])
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.created, job.unchanged, job.failed) == (ROWS - stored, stored, 0)
    assert_complete(digests)


@pytest.mark.django_db
def test_a_task_whose_worker_keeps_dying_is_failed_not_retried_for_ever(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = run_import_job.enqueue(0)
    started = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=started, worker_ids=["a", "b", "c"]
    )
    call_command("requeue_stale_tasks", older_than=30, stdout=(out := io.StringIO()))
    assert "0 requeued, 1 failed" in out.getvalue()
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == TaskResultStatus.FAILED and "WorkerLost" in task.exception_class_path
    # A task that is running now, on a live worker, is left alone.
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=dt.datetime.now(dt.UTC)
    )
    call_command(
        "requeue_stale_tasks", older_than=30, worker_id="someone-else", stdout=(out := io.StringIO())
    )
    assert "0 requeued, 0 failed" in out.getvalue()
