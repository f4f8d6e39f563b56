"""Resident import pages: upload → map unknown columns → progress → error report; the template.

The work itself is `registry.imports`, run in the background by `tasks.run_import_job`, which the
verbs of `registry.import_jobs` enqueue once the job row is committed. Only users with import_registry somewhere get in;
which grids they may import into is checked row by row by the import.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_for
from shequ.accounts.typing import AuthedRequest
from shequ.core.excel import xlsx_attachment, xlsx_response
from shequ.core.http import client_ip
from shequ.core.inputs import Form

from .. import import_jobs, imports, selectors
from ..models import ImportJob, ImportStatus

ALLOWED_SUFFIXES = (".xlsx", ".xlsm", ".csv")


def importer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.can(request.user, Perm.IMPORT_REGISTRY):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _max_bytes() -> int:
    return int(getattr(settings, "SHEQU_IMPORT_MAX_MB", 20)) * 1024 * 1024


class UploadForm(Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"))
    dry_run = forms.BooleanField(
        label=_("Check only (store nothing)"),
        required=False,
        help_text=_("Every row is checked and the errors are listed, but nothing is saved."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("Only .xlsx and .csv files can be imported."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        if upload.size > _max_bytes():
            raise forms.ValidationError(
                _("The file is too large (at most %(mb)d MB). Split it into several files.")
                % {"mb": _max_bytes() // (1024 * 1024)}
            )
        return upload


class MappingForm(Form):
    """One choice per unknown column: a field of the import, or ignore the column."""

    def __init__(self, *args: Any, unknown: list[str], known: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unknown = unknown
        self.known = known  # field key → the header that already provides it
        choices = [(imports.IGNORE, _("— ignore this column —"))] + [
            (c.key, c.header) for c in imports.COLUMNS
        ]
        for index, header in enumerate(unknown):
            self.fields[f"col_{index}"] = forms.ChoiceField(label=header, choices=choices, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data is None:
            data = self.cleaned_data
        taken = dict(self.known)
        for index, header in enumerate(self.unknown):
            key = data.get(f"col_{index}") or ""
            if not key:
                continue
            if key in taken:
                self.add_error(
                    f"col_{index}",
                    _("Column “%(other)s” already provides this field.") % {"other": taken[key]},
                )
            else:
                taken[key] = header
        return data

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"col_{i}") or imports.IGNORE
            for i, header in enumerate(self.unknown)
        }


def _jobs_for(request: AuthedRequest) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("created_by")
    if scope_for(request.user, Perm.IMPORT_REGISTRY).everything:
        return jobs
    return jobs.filter(created_by=request.user)


def _job_for(request: AuthedRequest, pk: int) -> ImportJob:
    job = _jobs_for(request).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


@importer_required
@require_http_methods(["GET", "POST"])
def import_start(request: AuthedRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    imports.purge_checked_files()
    if request.method == "POST" and form.is_valid():
        job, queued = import_jobs.upload_import(
            by=request.user,
            upload=form.cleaned_data["file"],
            dry_run=form.cleaned_data["dry_run"],
            ip_address=client_ip(request),
        )
        if job.status == ImportStatus.FAILED:
            form.add_error("file", job.message)
        elif queued:
            return redirect("registry:import_job", pk=job.pk)
        else:
            return redirect("registry:import_mapping", pk=job.pk)
    recent = _jobs_for(request)[:5]
    return render(
        request,
        "registry/import_start.html",
        {"form": form, "recent": recent, "max_mb": _max_bytes() // (1024 * 1024)},
    )


@importer_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    if job.status != ImportStatus.PENDING or not job.file:
        return redirect("registry:import_job", pk=job.pk)
    try:
        headers = imports.read_headers(job.file.path, filename=job.original_name)
    except (
        imports.UnreadableFile
    ) as exc:  # the file changed under us, or the mapping found another header row
        job.status, job.message, job.finished_at = ImportStatus.FAILED, str(exc), timezone.now()
        job.file.delete(save=False)  # an ended job keeps no upload (docs/security.md)
        job.save(update_fields=["status", "message", "finished_at", "file", "updated_at"])
        return redirect("registry:import_job", pk=job.pk)
    unknown = imports.unknown_headers(headers)
    known = {}
    for header in headers:
        key = imports.match_header(header)
        if key and key not in known:
            known[key] = header
    form = MappingForm(request.POST or None, unknown=unknown, known=known)
    if request.method == "POST" and form.is_valid():
        import_jobs.map_import_columns(job, by=request.user, mapping=form.mapping())
        return redirect("registry:import_job", pk=job.pk)
    recognised = [(header, imports.COLUMN_BY_KEY[key].header) for key, header in known.items()]
    return render(
        request, "registry/import_mapping.html", {"job": job, "form": form, "recognised": recognised}
    )


@importer_required
@require_http_methods(["GET", "POST"])
def import_job(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    if request.method == "POST":
        # "Import for real" after a check-only run: a new job on the same file and mapping.
        if not _can_run_for_real(job):
            return redirect("registry:import_job", pk=job.pk)
        real = import_jobs.import_for_real(job, by=request.user, ip_address=client_ip(request))
        return redirect("registry:import_job", pk=real.pk)
    return render(request, "registry/import_job.html", {"job": job, **_progress_context(job)})


def _can_run_for_real(job: ImportJob) -> bool:
    return bool(
        job.dry_run
        and job.status == ImportStatus.DONE
        and job.file
        and job.file.name
        and not imports.checked_file_expired(job)
        and job.file.storage.exists(job.file.name)
    )


def _progress_context(job: ImportJob) -> dict[str, Any]:
    finished = job.status in (ImportStatus.DONE, ImportStatus.FAILED)
    return {"job": job, "finished": finished, "can_run": finished and _can_run_for_real(job)}


@importer_required
def import_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    return render(request, "registry/import_progress.html", _progress_context(job))


@importer_required
def import_errors(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    rows = ((e["row"], e["column"], e["reason"]) for e in job.errors or [])
    return xlsx_response(
        f"导入错误报告-{Path(job.original_name).stem}", imports.ERROR_HEADERS, rows, title="错误报告"
    )


@importer_required
def import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_attachment(imports.template_bytes(), "居民导入模板.xlsx")


@importer_required
def import_list(request: AuthedRequest) -> HttpResponse:
    jobs = _jobs_for(request).defer("errors")[:50]
    return render(request, "registry/import_list.html", {"jobs": jobs})
