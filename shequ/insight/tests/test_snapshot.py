"""The snapshot against the live count, on a seeded demo county (three communities, two streets,
a year of cases): after a refresh, every figure a dashboard or a per-community table reads from
the snapshot equals what the scoped selectors count live."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.cases import selectors as cases
from shequ.core import codes
from shequ.core.actors import System
from shequ.insight import selectors, services
from shequ.insight.models import CommunityFigures
from shequ.places.models import Area, AreaLevel
from shequ.registry import selectors as registry
from shequ.registry.models import Resident, ResidentStatus
from shequ.testing import make_user

SEED, SCALE = 7, 2000
NOW = dt.datetime(2026, 11, 23, 10, 17, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def seeded_output(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[str]:
    """The demo county seeded once for the module on a frozen clock, rolled back afterwards."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        ),
        time_machine.travel(NOW, tick=False),
        transaction.atomic(),
    ):
        codes.clear_cache()
        out = io.StringIO()
        call_command("seed_demo", seed=SEED, scale=SCALE, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
    codes.clear_cache()


@pytest.fixture
def seeded(seeded_output: str, db: Any) -> Iterator[str]:
    with time_machine.travel(NOW, tick=False):
        yield seeded_output


def _live(user: Any) -> selectors.Figures:
    scopes = selectors._scopes(user)
    figures = selectors.Figures(
        can_residents=not scopes.residents.empty,
        can_places=not scopes.places.empty,
        can_cases=not scopes.cases.empty,
    )
    return selectors._count_live(figures, user)


def _without_time(figures: selectors.Figures) -> dict[str, Any]:
    data = dataclasses.asdict(figures)
    data.pop("as_of")
    data["age_bands"] = {k: v for k, v in data["age_bands"].items() if v}
    data["residence_types"] = {k: v for k, v in data["residence_types"].items() if v}
    return data


def test_seed_demo_ends_with_a_refresh(seeded: str) -> None:
    assert "Figures: 3 communities counted" in seeded
    assert CommunityFigures.objects.count() == Area.objects.filter(level=AreaLevel.COMMUNITY).count() == 3


def test_the_district_dashboard_from_the_snapshot_equals_the_live_count(seeded: str) -> None:
    district = User.objects.get(username="district")
    from_snapshot = selectors.dashboard_figures(district)
    assert from_snapshot.as_of == NOW
    assert from_snapshot.residents["total"] == Resident.objects.filter(status=ResidentStatus.ACTIVE).count()
    assert from_snapshot.tags and from_snapshot.cases["open"] > 0
    assert _without_time(from_snapshot) == _without_time(_live(district))


def test_a_street_admin_sees_the_sum_of_their_streets_communities(seeded: str) -> None:
    street = Area.objects.filter(level=AreaLevel.STREET).order_by("path").first()
    assert street is not None
    admin = make_user(Role.STREET_ADMIN, street)
    figures = selectors.dashboard_figures(admin)
    assert figures.as_of == NOW  # a street is wider than one community: the snapshot
    in_street = Resident.objects.filter(status=ResidentStatus.ACTIVE, area_path__startswith=street.path)
    assert figures.residents["total"] == in_street.count() < Resident.objects.count()
    assert _without_time(figures) == _without_time(_live(admin))


def test_a_community_worker_is_counted_live(seeded: str) -> None:
    worker = User.objects.get(username="worker")
    figures = selectors.dashboard_figures(worker)
    assert figures.as_of is None
    assert figures.residents["total"] == (
        registry.residents_visible_to(worker, with_tags=False).filter(status=ResidentStatus.ACTIVE).count()
    )


def test_case_figures_per_community_from_the_snapshot_equal_the_live_ones(seeded: str) -> None:
    district = User.objects.get(username="district")
    rows, total = selectors.case_figures_by_community(district)
    live = cases.cases_visible_to(district)
    assert rows == cases.case_figures(live, by="community", now=NOW)
    assert total == cases.case_figure_totals(live, now=NOW)
    assert total["reported"] > 0


def test_key_populations_per_community_from_the_snapshot_equal_the_live_ones(seeded: str) -> None:
    district = User.objects.get(username="district")
    live = {
        (r["resident__community_id"], r["tag__code"]): r["n"]
        for r in registry.resident_tags_visible_to(district)
        .filter(resident__status=ResidentStatus.ACTIVE)
        .values("resident__community_id", "tag__code")
        .annotate(n=Count("id"))
    }
    snapshot = {
        (r["community_id"], r["tag"]): r["n"] for r in selectors.key_populations_by_community(district)
    }
    assert snapshot == live and live


def test_a_second_refresh_the_same_day_replaces_the_days_rows(seeded: str) -> None:
    resident = Resident.objects.filter(status=ResidentStatus.ACTIVE).first()
    assert resident is not None
    Resident.objects.filter(pk=resident.pk).update(status=ResidentStatus.MOVED_OUT)
    later = NOW + dt.timedelta(minutes=10)
    done = services.refresh_figures(now=later, by=System("test"))
    assert done.communities == CommunityFigures.objects.count() == 3
    figures = selectors.dashboard_figures(User.objects.get(username="district"))
    assert figures.as_of == later
    assert figures.residents["total"] == Resident.objects.filter(status=ResidentStatus.ACTIVE).count()


def test_the_snapshot_keeps_one_row_per_community_per_day(seeded: str) -> None:
    services.refresh_figures(now=NOW + dt.timedelta(days=1), by=System("test"))
    assert CommunityFigures.objects.count() == 6
    assert len(selectors.latest_snapshot()) == 3
