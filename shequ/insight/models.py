"""Snapshots of figures, counted by a job so that pages read them instead of counting (STYLE.md:
Kitsune and Pontoon precompute dashboard figures into snapshot tables).

One row per community per day: a refresh during the day replaces that day's rows, so the table
keeps the last figures of every day for trends and later indicators (the governance index, rankings),
and the latest day is what the dashboard shows.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.places.models import Area, PathScoped


class CommunityFigures(PathScoped):
    """What the dashboard shows, for one community, as counted at `refreshed_at`.

    Counts that every later indicator needs are columns; the parts whose keys change with the code
    tables (tags, residence types, age bands, case counts) are JSON objects of counts, all of
    which add up across communities.
    """

    # Derived data: it goes with its community rather than keeping one from being removed.
    community = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    day = models.DateField(_("day"))
    refreshed_at = models.DateTimeField(_("refreshed at"))
    residents = models.PositiveIntegerField(_("residents"), default=0)
    floating = models.PositiveIntegerField(_("floating population"), default=0)
    elderly = models.PositiveIntegerField(_("aged 60 and over"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)
    buildings = models.PositiveIntegerField(_("buildings"), default=0)
    grids = models.PositiveIntegerField(_("grids"), default=0)
    organizations = models.PositiveIntegerField(_("organisations"), default=0)
    cases_open = models.PositiveIntegerField(_("open cases"), default=0)
    cases_overdue = models.PositiveIntegerField(_("overdue cases"), default=0)
    # {"m0-9": 120, "f0-9": 115, ...}: men and women per ten-year band
    age_bands = models.JSONField(_("age bands"), default=dict)
    # {"registered": 4000, "floating": 900, ...}: ResidenceType values
    residence_types = models.JSONField(_("residence types"), default=dict)
    # {"dibao": 12, "elderly_alone": 40, ...}: active residents per TagType code
    tags = models.JSONField(_("key populations"), default=dict)
    # The counts behind the case figures (cases.selectors.case_counts_by_community)
    case_counts = models.JSONField(_("case counts"), default=dict)

    class Meta:
        verbose_name = _("community figures")
        verbose_name_plural = _("community figures")
        ordering = ["-day", "area_path"]
        constraints = [
            models.UniqueConstraint(fields=["community", "day"], name="insight_figures_community_day")
        ]
        indexes = [
            # The dashboard reads one day's rows (a few hundred) and filters them by path prefix.
            models.Index(fields=["day", "area_path"], name="insight_figures_day_path"),
        ]

    def __str__(self) -> str:
        return f"{self.area_path} {self.day}"
