"""Batch actions: one service call per record, each refused or done on its own, with a report.

A batch never bypasses the single-record verb: it calls it once per record inside a savepoint, so a
record that is out of scope or in the wrong state is refused (its changes rolled back) and the
others are still done. The report lists, per record, what happened and why, for the page to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .errors import RuleError
from .pages import is_htmx

_T = TypeVar("_T")


@dataclass(frozen=True)
class Outcome:
    """One record of a batch: its label as shown on the page, and the reason when refused."""

    pk: Any
    label: str
    reason: str = ""

    @property
    def done(self) -> bool:
        return not self.reason


@dataclass
class BatchReport:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def done(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.done]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.done]

    def add_missing(self, pks: Iterable[Any]) -> None:
        """Ids asked for that the user cannot see: refused with the same words as a 404."""
        for pk in pks:
            self.outcomes.append(Outcome(pk, f"#{pk}", _("Not found, or outside your area.")))


def run_each(records: Iterable[_T], verb: Callable[[_T], Any], *, label: Callable[[_T], str]) -> BatchReport:
    """Call `verb` on every record in one transaction, one savepoint each (DESIGN: services are verbs)."""
    report = BatchReport()
    with transaction.atomic():
        for record in records:
            try:
                with transaction.atomic():
                    verb(record)
            except RuleError as exc:
                report.outcomes.append(Outcome(getattr(record, "pk", None), label(record), str(exc.message)))
            else:
                report.outcomes.append(Outcome(getattr(record, "pk", None), label(record)))
    return report


def parse_ids(values: Iterable[str], limit: int = 500) -> list[int]:
    """The selected rows' ids from a form, de-duplicated, in order; a batch is at most one big page."""
    ids: list[int] = []
    for value in values:
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    if not ids:
        raise RuleError("empty", _("Select at least one row."))
    if len(ids) > limit:
        raise RuleError("too_many", _("Select at most %(n)d rows at a time.") % {"n": limit})
    return ids


# --- pages ---------------------------------------------------------------------------------------

BATCH_DONE = "batch-done"  # the HTMX event a list listens for to reload its rows


def batch_report(request: HttpRequest, report: BatchReport, *, title: str, back: str) -> HttpResponse:
    """HTMX: the report partial (and the list reloads); a plain form post: messages, back to the list."""
    if is_htmx(request):
        response = render(request, "partials/batch_report.html", {"report": report, "title": title})
        response["HX-Trigger"] = BATCH_DONE
        return response
    if report.done:
        messages.success(request, _("%(title)s: done for %(n)d.") % {"title": title, "n": len(report.done)})
    for outcome in report.refused:
        messages.error(request, f"{outcome.label}: {outcome.reason}")
    return redirect(back)


def batch_refused(request: HttpRequest, exc: RuleError, back: str) -> HttpResponse:
    """The whole batch refused before any record (nothing selected, no tag chosen, ...)."""
    if is_htmx(request):
        return render(request, "partials/batch_report.html", {"error": str(exc.message)})
    messages.error(request, str(exc.message))
    return redirect(back)
