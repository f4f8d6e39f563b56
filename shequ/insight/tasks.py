"""Background jobs of insight (django.tasks).

`manage.py refresh_figures --every 600` (or cron / a systemd timer calling it without options)
keeps the snapshot fresh; `refresh_figures_task` lets a scheduler that speaks django.tasks enqueue
the same refresh instead (docs/insight.md).
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from shequ.core.actors import System

from . import services


@task()
def refresh_figures_task() -> dict[str, Any]:
    """Count every community's figures again (services.refresh_figures); returns what it did."""
    done = services.refresh_figures(by=System("figures"))
    return {
        "communities": done.communities,
        "refreshed_at": done.refreshed_at.isoformat(),
        "seconds": done.seconds,
    }
