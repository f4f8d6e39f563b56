"""The verbs of a resident import job: upload a sheet, map its unknown columns, run a checked
file for real. Each queues the background run on commit (never from a view) and is audited; the
run itself (`imports.run_job`) audits each stored batch with the rows it touched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from shequ.accounts.models import User
from shequ.accounts.permissions import require
from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_for
from shequ.accounts.typing import Actor
from shequ.audit.services import record_event
from shequ.core.actors import System

from . import imports
from .actions import RegistryAction
from .models import ImportJob, ImportStatus
from .tasks import run_import_job


def _queue(job: ImportJob, *, by: Actor) -> None:
    """Audit the start and run the job once this transaction has committed the job row."""
    scope_path = "" if isinstance(by, System) else scope_for(by, Perm.IMPORT_REGISTRY).common_path
    record_event(
        actor=by,
        action=RegistryAction.START_IMPORT,
        target=job,
        area_path=scope_path,
        ip_address=job.ip_address,
        extra={"file": job.original_name, "dry_run": job.dry_run},
    )
    job_id = job.pk
    transaction.on_commit(lambda: run_import_job.enqueue(job_id))


@transaction.atomic
def upload_import(
    *, by: Actor, upload: Any, dry_run: bool, ip_address: str | None = None
) -> tuple[ImportJob, bool]:
    """Store an uploaded sheet as a job; returns it and whether it was queued. A sheet with columns
    nobody recognises waits for a mapping (status pending, not queued); an unreadable one fails at
    once (status failed, file deleted)."""
    require(by, Perm.IMPORT_REGISTRY)
    name = Path(upload.name).name
    job = ImportJob(
        created_by=by if isinstance(by, User) else None,
        original_name=name[:200],
        dry_run=dry_run,
        ip_address=ip_address,
    )
    job.file.save(name, upload, save=False)
    job.save()
    try:
        headers = imports.read_headers(job.file.path, filename=job.original_name)
    except imports.UnreadableFile as exc:
        job.status = ImportStatus.FAILED
        job.message = str(exc)
        job.file.delete(save=False)
        job.save()
        return job, False
    if imports.unknown_headers(headers):
        return job, False
    _queue(job, by=by)
    return job, True


@transaction.atomic
def map_import_columns(job: ImportJob, *, by: Actor, mapping: dict[str, str]) -> ImportJob:
    """Record which field each unknown column is (or that it is ignored) and run the job."""
    require(by, Perm.IMPORT_REGISTRY)
    job.mapping = mapping
    job.save(update_fields=["mapping", "updated_at"])
    _queue(job, by=by)
    return job


@transaction.atomic
def import_for_real(checked: ImportJob, *, by: Actor, ip_address: str | None = None) -> ImportJob:
    """After a check-only run: a new job on the same file and mapping that stores the rows."""
    require(by, Perm.IMPORT_REGISTRY)
    job = ImportJob.objects.create(
        created_by=by if isinstance(by, User) else None,
        file=checked.file.name,
        original_name=checked.original_name,
        mapping=checked.mapping,
        dry_run=False,
        ip_address=ip_address,
    )
    _queue(job, by=by)
    return job
