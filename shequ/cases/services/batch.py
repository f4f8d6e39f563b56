"""Batch steps from the case list: the single-case verbs, once per case, with a per-case report."""

from __future__ import annotations

from collections.abc import Iterable

from shequ.accounts.typing import Actor
from shequ.core.batch import BatchReport, run_each

from ..models import Case, HandlerUnit
from .lifecycle import dispatch_case, supervise_case


def dispatch_cases(cases: Iterable[Case], *, by: Actor, unit: HandlerUnit, note: str = "") -> BatchReport:
    """Batch 派遣: `dispatch_case` per case (its status, scope and the unit's area are checked each time)."""
    return run_each(cases, lambda c: dispatch_case(c, by=by, unit=unit, note=note), label=lambda c: c.number)


def supervise_cases(cases: Iterable[Case], *, by: Actor, note: str) -> BatchReport:
    """Batch 催办/督办: `supervise_case` per open case the actor manages; the note is required."""
    return run_each(cases, lambda c: supervise_case(c, by=by, note=note), label=lambda c: c.number)
