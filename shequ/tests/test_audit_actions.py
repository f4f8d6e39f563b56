"""Audit actions: every action written is a declared, labelled member; a System actor reads as 系统."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shequ.accounts.actions import AccountAction
from shequ.audit import actions, checks
from shequ.audit.services import record_event
from shequ.cases.actions import CaseAction
from shequ.cases.models import EventAction
from shequ.core.actors import System
from shequ.registry.actions import RegistryAction

SHEQU = Path(__file__).resolve().parents[1]


def test_every_registered_action_has_a_label_and_the_check_passes() -> None:
    assert checks.check_actions() == []
    for value, label in actions.labels().items():
        assert actions.ACTION_PATTERN.match(value)
        with translation.override("zh-hans"):
            assert str(label) and str(label) != value


def test_the_check_fails_on_an_action_without_a_label(monkeypatch: Any) -> None:
    class Careless(models.TextChoices):
        THING = "thing:do"  # no label: TextChoices invents "Thing"
        BAD = "nocolon", _("A label")

    monkeypatch.setattr(actions, "_groups", [*actions.groups(), Careless])
    ids = sorted(e.id for e in checks.check_actions())
    assert ids == ["audit.E002", "audit.E003"]


def test_the_label_the_log_showed_for_imports_now_matches_what_is_written() -> None:
    """The log used to label "import:run", which nothing wrote; imports write "resident:import"."""
    assert actions.is_registered("resident:import")
    assert not actions.is_registered("import:run")
    with translation.override("zh-hans"):
        assert str(actions.label("resident:import")) != "resident:import"


def test_every_step_in_the_case_file_has_an_audit_action() -> None:
    assert {f"case:{a.value}" for a in EventAction} <= set(CaseAction.values)


def test_two_apps_cannot_declare_the_same_action() -> None:
    class Clash(models.TextChoices):
        REVEAL = "resident:reveal", _("Revealed")

    with pytest.raises(Exception, match="declared by both"):
        actions.register(Clash)


@pytest.mark.django_db
def test_record_event_refuses_an_unregistered_action_or_a_bare_string() -> None:
    class Unknown(models.TextChoices):
        SOMETHING = "something:happen", _("Something happened")

    with pytest.raises(ValueError, match="not registered"):
        record_event(actor=System("test"), action=Unknown.SOMETHING)
    with pytest.raises(ValueError, match="not registered"):
        record_event(actor=System("test"), action="resident:reveal")  # type: ignore[arg-type]


@pytest.mark.django_db
def test_record_event_refuses_a_missing_actor() -> None:
    with pytest.raises(TypeError):
        record_event(actor=None, action=AccountAction.LOCK)


@pytest.mark.django_db
def test_a_system_actor_is_recorded_as_the_system_with_the_jobs_name() -> None:
    event = record_event(actor=System("case clock"), action=CaseAction.REMIND)
    assert event.actor is None
    assert event.actor_name == "系统（案件时钟）"
    event = record_event(actor=System("nightly-sync"), action=RegistryAction.IMPORT_RESIDENTS)
    assert event.actor_name == "系统（nightly-sync）"  # an unnamed job still says which one


def _record_event_calls() -> list[tuple[Path, int, ast.expr]]:
    found = []
    for path in SHEQU.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record_event":
                action = next(k.value for k in node.keywords if k.arg == "action")
                found.append((path, node.lineno, action))
    return found


def test_every_action_written_in_the_code_is_a_registered_member() -> None:
    """Scan the source: each `record_event(action=...)` names a member of a registered group, or
    (in a helper) passes one through; never a bare string."""
    groups = {g.__name__: g for g in actions.groups()}
    calls = _record_event_calls()
    assert len(calls) > 20
    for path, line, action in calls:
        where = f"{path.relative_to(SHEQU)}:{line}"
        assert not isinstance(action, ast.Constant | ast.JoinedStr), f"{where}: a bare action string"
        if isinstance(action, ast.Attribute):
            group = groups.get(getattr(action.value, "id", ""))
            assert group is not None, f"{where}: {ast.unparse(action)} is not a registered group's member"
            assert action.attr in group.__members__, f"{where}: {ast.unparse(action)} is not declared"
        elif isinstance(action, ast.Call):  # CaseAction(f"case:{action}"): checked against EventAction
            assert getattr(action.func, "id", "") in groups, f"{where}: {ast.unparse(action)}"
        else:
            assert isinstance(action, ast.Name), f"{where}: {ast.unparse(action)}"
    # Members passed through helpers (exports) are still written: every Group.MEMBER in the code exists.
    for path in SHEQU.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") in groups:
                group = groups[node.value.id]  # type: ignore[attr-defined]
                if node.attr[0].isupper() and node.attr not in ("choices", "values", "labels", "names"):
                    assert node.attr in group.__members__, f"{path}:{node.lineno}: {ast.unparse(node)}"
