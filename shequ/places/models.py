"""Places: the administrative tree (city → district → street → community), grids and micro-grids.

Every node carries a materialised `path` (330723.001.014, then .001 for a grid and .01 for a
micro-grid) so that scope is one indexed prefix filter (DESIGN rule 1). The tables keep their
`registry_` names: the models moved here from `registry` without moving any data (ADR 0007).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shequ.core.models import TimeStamped

PATH_INDEX_OPS = ["varchar_pattern_ops"]  # lets PostgreSQL use the index for LIKE 'prefix%'


def path_index(model: str, field: str = "area_path", *, app: str = "registry") -> models.Index:
    """The prefix index on a scoped row's path, named `<app>_<model>_<field>` (at most 30 characters)."""
    return models.Index(fields=[field], name=f"{app}_{model}_{field}"[:30], opclasses=PATH_INDEX_OPS)


class AreaLevel(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District/county")
    STREET = "street", _("Street/town")
    COMMUNITY = "community", _("Community/village")


class Area(TimeStamped):
    """A node of the administrative tree with its 12-digit statistical division code."""

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(_("path"), max_length=64, unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    is_urban = models.BooleanField(_("urban community"), default=True)
    households_planned = models.PositiveIntegerField(_("households (planned)"), null=True, blank=True)
    service_space_m2 = models.DecimalField(
        _("service space (m²)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    history = HistoricalRecords(table_name="registry_historicalarea")

    class Meta:
        db_table = "registry_area"
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        indexes = [models.Index(fields=["path"], name="registry_area_path_like", opclasses=PATH_INDEX_OPS)]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def path_for(code: str, level: str) -> str:
        """330723001014 at community level → 330723.001.014."""
        if level == AreaLevel.CITY:
            return code[:4]
        if level == AreaLevel.DISTRICT:
            return code[:6]
        if level == AreaLevel.STREET:
            return f"{code[:6]}.{code[6:9]}"
        return f"{code[:6]}.{code[6:9]}.{code[9:12]}"


class GridKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive grid")
    SPECIALISED = "specialised", _("Specialised grid")


class Grid(TimeStamped):
    """A unit grid: the 12-digit community code plus a 3-digit sequence (CJ/T 213)."""

    code = models.CharField(_("grid code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=64)
    community = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    path = models.CharField(_("path"), max_length=64, unique=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=GridKind.choices, default=GridKind.COMPREHENSIVE
    )
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    households_planned = models.PositiveIntegerField(_("households (planned)"), null=True, blank=True)
    responsible = models.CharField(
        _("responsible party"),
        max_length=128,
        blank=True,
        help_text=_("Where nobody is named, the community is responsible (属地兜底)."),
    )
    start_date = models.DateField(_("in force from"), default=dt.date(2020, 1, 1))
    end_date = models.DateField(_("in force until"), null=True, blank=True)
    history = HistoricalRecords(table_name="registry_historicalgrid")

    class Meta:
        db_table = "registry_grid"
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["path"]
        indexes = [models.Index(fields=["path"], name="registry_grid_path_like", opclasses=PATH_INDEX_OPS)]

    def __str__(self) -> str:
        return self.name

    @property
    def area_path(self) -> str:
        return self.path


class MicroGrid(TimeStamped):
    """A building or 10–50 households, looked after by a building or ten-household leader."""

    code = models.CharField(_("micro-grid code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=64)
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="micro_grids", verbose_name=_("grid")
    )
    path = models.CharField(_("path"), max_length=64, unique=True)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    leader_name = models.CharField(_("leader"), max_length=64, blank=True)
    history = HistoricalRecords(table_name="registry_historicalmicrogrid")

    class Meta:
        db_table = "registry_microgrid"
        verbose_name = _("micro-grid")
        verbose_name_plural = _("micro-grids")
        ordering = ["path"]
        indexes = [models.Index(fields=["path"], name="registry_mgrid_path_like", opclasses=PATH_INDEX_OPS)]

    def __str__(self) -> str:
        return self.name

    @property
    def area_path(self) -> str:
        return self.path


# --- placement: the fields every scoped row carries -----------------------------------------------
# Abstract bases, so a scoped model states where it lies once instead of repeating four fields.
# Reverse names are "%(class)ss" (community.residents, grid.buildings, micro_grid.residents, ...).
# The path index is declared by each concrete model (`path_index(...)` in its Meta.indexes) because
# index names must be unique and at most 30 characters; the `places.E001` check holds every
# subclass to it.


class PathScoped(models.Model):
    """A row scoped by the path of the deepest place it lies in (community, grid or micro-grid)."""

    area_path = models.CharField(_("area path"), max_length=64)

    class Meta:
        abstract = True


class InCommunity(PathScoped):
    """A scoped row that always knows its community."""

    community = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="%(class)ss", verbose_name=_("community")
    )

    class Meta:
        abstract = True


class InGrid(InCommunity):
    """A scoped row that knows its community and, when given, its grid."""

    grid = models.ForeignKey(
        Grid,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        verbose_name=_("grid"),
    )

    class Meta:
        abstract = True


class Placed(InGrid):
    """A scoped row placed down to the micro-grid (a building, a resident)."""

    micro_grid = models.ForeignKey(
        MicroGrid,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        verbose_name=_("micro-grid"),
    )

    class Meta:
        abstract = True


class Road(InCommunity):
    """A stretch of road within a community, as a GeoJSON LineString, for the maps' own base layer
    (ADR 0010). A road through several communities is one row per community, so each is scoped like
    the community's other rows."""

    name = models.CharField(_("name"), max_length=64)
    line = models.JSONField(_("line (GeoJSON)"))

    class Meta:
        verbose_name = _("road")
        verbose_name_plural = _("roads")
        ordering = ["area_path", "name"]
        indexes = [path_index("road", app="places")]

    def __str__(self) -> str:
        return self.name
