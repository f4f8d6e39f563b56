"""THE CHECK for DESIGN rule 2: no ID number or phone number is stored in plaintext anywhere.

Builds the county and a few more residents through the services, exercises the writes that
copy resident data around (updates kept by history, reveals written to the audit log, life
events, tags), then reads every text, char and JSON column of every row of every table.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from shequ.accounts.roles import Role
from shequ.core.actors import System
from shequ.core.idnumber import make as make_id
from shequ.registry import services as registry
from shequ.registry.models import LifeEventKind, Resident, TagType
from shequ.testing import County, make_user

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def _needles(plain: dict[str, str]) -> set[str]:
    """Every way a number could be written: as stored, lower-case x, and a phone without separators."""
    out: set[str] = set()
    for value in plain.values():
        if not value:
            continue
        out |= {value, value.lower(), value.replace("-", "")}
    return {n for n in out if len(n) >= 7}


def _text_columns(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]


def _all_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


@pytest.fixture
def populated(county: County) -> dict[str, dict[str, str]]:
    worker = make_user(Role.COMMUNITY_WORKER, county.community_a1)
    building = county.buildings["a11"]
    dwelling, _ = registry.get_or_create_dwelling(building=building, unit="2", room="502")
    household = registry.create_household(
        community=county.community_a1, number="H-extra", by=worker, dwelling=dwelling
    )
    extra = registry.register_resident(
        by=worker,
        community=county.community_a1,
        dwelling=dwelling,
        household=household,
        fields={
            "name": "赵敏",
            "id_number": make_id("330723", dt.date(1992, 6, 30), 28).lower(),
            "phone": "+86 139-1234-5678",
            "notes": "独居, 子女在杭州",
        },
    )
    landline = registry.register_resident(
        by=worker,
        community=county.community_a1,
        dwelling=dwelling,
        household=household,
        fields={
            "name": "钱老伯",
            "id_number": make_id("330723", dt.date(1940, 3, 3), 11),
            "phone": "0579-87654321",
        },
    )
    registry.register_resident(
        by=worker,
        community=county.community_a1,
        dwelling=dwelling,
        fields={
            "name": "John Smith",
            "id_type": "passport",
            "id_number": "E98765432",
            "birth_date": "1985-05-05",
            "gender": "男",
            "phone": "13711112222",
        },
    )
    # Writes that copy resident data into history, audit and event tables.
    registry.update_resident(extra, by=worker, fields={"phone": "13698765432"}, reason="本人更换手机")
    registry.update_resident(landline, by=worker, fields={"workplace": "退休"}, reason="走访核实")
    registry.reveal_pii(extra, by=worker, purpose="verify_identity", note="办理高龄补贴需核对身份")
    registry.record_life_event(
        landline, kind=LifeEventKind.DEATH, date=dt.date(2025, 1, 2), by=worker, note="病故"
    )
    registry.add_tag(extra, tag=TagType.objects.get(code="dibao"), by=worker, note="2024年起")
    registry.remove_tag(extra, tag=TagType.objects.get(code="dibao"), by=worker, reason="收入超标退出")

    # A resident reports a case with their phone: it is how they follow it, so it is kept, encrypted.
    from shequ.cases import services as cases
    from shequ.cases.models import CaseCategory, Source

    case = cases.report_case(
        by=System("test"),
        category=CaseCategory.objects.get(code="sanitation.garbage"),
        description="楼道堆放杂物，影响通行",
        source=Source.PORTAL,
        building=building,
        reporter_phone="+86 139-1234-5678",
    )
    cases.accept_case(case, by=worker)

    plaintexts: dict[str, dict[str, str]] = {}
    for resident in Resident.objects.all():
        revealed = registry.reveal_pii(
            resident, by=System("test"), purpose="verify_identity", note="核对身份信息"
        )
        plaintexts[resident.name] = revealed
    # Every number the residents ever had, including the phone replaced above.
    plaintexts["赵敏 (old phone)"] = {"phone": "13912345678"}
    assert plaintexts["赵敏"]["phone"] == "13698765432"
    assert plaintexts["钱老伯"]["phone"] == "0579-87654321"
    assert plaintexts["John Smith"]["id_number"] == "E98765432"
    return plaintexts


def test_no_id_or_phone_number_is_stored_in_plaintext_in_any_table(
    populated: dict[str, dict[str, str]],
) -> None:
    needles = set().union(*(_needles(p) for p in populated.values()))
    assert "13912345678" in needles and "057987654321" in needles
    scanned_tables: set[str] = set()
    leaks: list[str] = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        columns = _text_columns(model)
        scanned_tables.add(model._meta.db_table)
        if not columns:
            continue
        for row in model._default_manager.values_list("pk", *columns).iterator():
            for column, value in zip(columns, row[1:], strict=True):
                text = _all_text(value)
                for needle in needles:
                    if needle in text:
                        leaks.append(f"{model._meta.db_table}.{column} (pk={row[0]}) contains {needle}")
    assert not leaks, "\n".join(leaks)
    # The scan really covered the history and audit tables, where copies are easy to miss.
    for table in [
        "registry_resident",
        "registry_historicalresident",
        "cases_case",
        "registry_historicalresidenttag",
        "audit_auditevent",
        "registry_lifeevent",
        "registry_household",
    ]:
        assert table in scanned_tables


def test_resident_rows_hold_ciphertext_digest_and_masked_form(populated: dict[str, dict[str, str]]) -> None:
    for resident in Resident.objects.all():
        plain = populated[resident.name]
        assert resident.id_number_cipher.startswith("v1.")
        assert re.fullmatch(r"[0-9a-f]{64}", resident.id_number_digest)
        if resident.id_type == "resident_id":
            assert re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", resident.id_number_masked), resident.id_number_masked
            assert resident.id_number_masked[:6] == plain["id_number"][:6]
            assert resident.id_number_masked[-4:] == plain["id_number"][-4:]
        else:
            assert re.fullmatch(r"E\*{7}2", resident.id_number_masked), resident.id_number_masked
        if len(plain["phone"]) == 11:
            assert re.fullmatch(r"1\d{2}\*{4}\d{4}", resident.phone_masked), resident.phone_masked
            assert resident.phone_masked[-4:] == plain["phone"][-4:]
        else:
            assert resident.phone_masked == "057******4321"
        assert resident.phone_digest and resident.phone_digest != resident.id_number_digest


def test_history_rows_keep_only_masked_and_encrypted_numbers(populated: dict[str, dict[str, str]]) -> None:
    resident = Resident.objects.get(name="赵敏")
    phones = [h.phone_masked for h in resident.history.order_by("history_id")]
    assert phones[0] == "139****5678"
    assert phones[-1] == "136****5432"
