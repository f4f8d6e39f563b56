"""The places models: their tables kept from registry, the placement bases and their check."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from shequ.cases.models import Case, CaseWarning, HandlerUnit
from shequ.insight.models import CommunityFigures
from shequ.places.checks import check_path_indexes
from shequ.places.models import Area, Grid, InCommunity, InGrid, MicroGrid, PathScoped, Placed
from shequ.registry.models import (
    Building,
    Dwelling,
    Household,
    LifeEvent,
    Organization,
    Resident,
    ResidentTag,
)
from shequ.testing import County


def test_moved_models_keep_their_registry_tables() -> None:
    # The move was state-only (ADR 0007): a database migrated before it keeps every row in place.
    assert Area._meta.db_table == "registry_area"
    assert Grid._meta.db_table == "registry_grid"
    assert MicroGrid._meta.db_table == "registry_microgrid"
    assert Area.history.model._meta.db_table == "registry_historicalarea"
    assert Grid.history.model._meta.db_table == "registry_historicalgrid"
    assert MicroGrid.history.model._meta.db_table == "registry_historicalmicrogrid"


@pytest.mark.parametrize(
    ("model", "base"),
    [
        (Building, Placed),
        (Resident, Placed),
        (Organization, InGrid),
        (Case, InGrid),
        (CaseWarning, InGrid),
        (Household, InCommunity),
        (Dwelling, PathScoped),
        (ResidentTag, PathScoped),
        (LifeEvent, PathScoped),
        (HandlerUnit, PathScoped),
        (CommunityFigures, PathScoped),
    ],
)
def test_every_scoped_model_states_its_place_through_a_places_base(model: Any, base: Any) -> None:
    assert issubclass(model, base)
    assert model._meta.get_field("area_path").max_length == 64


def test_no_model_declares_area_path_outside_the_places_bases() -> None:
    # audit.AuditEvent records the path of what an event touched; it is not itself a scoped row.
    own = [
        m._meta.label
        for m in apps.get_models()
        if "area_path" in {f.name for f in m._meta.fields}
        and not issubclass(m, PathScoped)
        and not m.__name__.startswith("Historical")  # simple-history's copies of the scoped models
    ]
    assert own == ["audit.AuditEvent"]


@pytest.mark.django_db
def test_reverse_names_are_kept_for_callers(county: County) -> None:
    resident, building = county.residents["a11"], county.buildings["a11"]
    assert list(county.community_a1.residents.order_by("pk")) == [resident, county.residents["a12"]]
    assert list(county.grid_a1_1.residents.all()) == [resident]
    assert list(county.micro_a1_1_1.residents.all()) == [resident]
    assert list(county.micro_a1_1_1.buildings.all()) == [building]
    assert list(county.grid_a1_1.buildings.all()) == [building]
    assert county.community_a1.households.count() == 2
    assert {"buildings", "households", "organizations", "cases", "residents"} <= {
        rel.get_accessor_name() for rel in Area._meta.related_objects
    }
    assert {"buildings", "residents"} <= {rel.get_accessor_name() for rel in MicroGrid._meta.related_objects}


def test_path_index_check_passes_for_every_scoped_model() -> None:
    assert check_path_indexes() == []


def test_path_index_check_names_a_scoped_model_without_the_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Dwelling._meta, "indexes", [])
    errors = check_path_indexes()
    assert [(e.id, e.obj) for e in errors] == [("places.E001", Dwelling)]
