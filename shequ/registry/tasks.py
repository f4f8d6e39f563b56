"""Background jobs of the registry (django.tasks; the page enqueues them on commit)."""

from __future__ import annotations

from django_tasks import task

from .models import ImportJob


@task()
def run_import_job(job_id: int) -> dict[str, int]:
    """Run a stored resident import; progress and row errors are written to the ImportJob."""
    from .imports import run_job

    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    result = run_job(job)
    return result.counts() if result is not None else {}
