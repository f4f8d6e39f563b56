"""Background jobs of cases (django.tasks).

The case clock has to run every minute whatever happens on the pages, so it is not enqueued by a
page: `manage.py run_case_clock --every 60` (or cron / a systemd timer calling it once a minute)
runs it, and `run_case_clock_task` lets a scheduler that speaks django.tasks enqueue it instead
(docs/cases.md, "Running the clock").
"""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def run_case_clock_task() -> dict[str, int]:
    """Apply the clock to every running case once (services.run_clock); returns what it did."""
    return services.run_clock()
