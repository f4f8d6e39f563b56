"""The sealed-field walk: no model stores, and no list or detail serves, a person's ID or phone
number in clear.

The rule, for every app now and later: a model field whose name or verbose name says it holds
an ID number or a phone number (see `_looks_personal`) must be one of a sealed triple declared
with `core.sealed.fields`::

    from shequ.core import idnumber, sealed
    from shequ.core.sealed import SealKind

    class Volunteer(models.Model):
        phone_cipher, phone_digest, phone_masked = sealed.fields(_("phone"), SealKind.PHONE)

and be written with `sealed.assign(obj, "phone", sealed.seal_for(Volunteer, "phone", text))`,
shown as `phone_masked`, and read in clear only by a reveal service that checks `reveal_pii`
and writes an audit event. Key rotation and this walk find it from the declaration; nothing to
register. A number that belongs to no person (a department's published duty line) goes into
`NOT_PERSONAL` below with the reason, where a reviewer sees it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation
from knox.models import AuthToken
from rest_framework.test import APIClient

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.cases.testing import build_case_world, report
from shequ.core import idnumber, sealed
from shequ.registry.models import Organization, Resident
from shequ.testing import County

# "app.Model.field" → why it is not a person's number. Keep this short.
NOT_PERSONAL = {
    "cases.HandlerUnit.phone": "a handling unit's duty line (a department or company office), "
    "published for residents and the desk to call; not a person's number",
}

_NAME_WORDS = {"phone", "mobile", "tel", "telephone", "cellphone", "idcard", "passport"}
_NAME_PARTS = ("id_number", "id_card", "idcard", "id_no", "phone", "mobile")
_ENGLISH = re.compile(r"phone|mobile|telephone|\bid (?:number|card)\b|passport|document number")
_CHINESE = re.compile(r"身份证|证件号|电话|手机|联系方式|护照")


def _looks_personal(field: models.Field[Any, Any]) -> bool:
    """Whether a field's name or verbose name (English or Chinese) says it holds a phone or ID number."""
    name = field.name.lower()
    if _NAME_WORDS & set(name.split("_")) or any(part in name for part in _NAME_PARTS):
        return True
    with translation.override("en"):
        english = str(field.verbose_name).lower()
    with translation.override("zh-hans"):
        chinese = str(field.verbose_name)
    return bool(_ENGLISH.search(english) or _CHINESE.search(chinese))


def _owner_label(model: type[models.Model]) -> str:
    """A history table answers for its model (simple_history's `instance_type`)."""
    return getattr(model, "instance_type", model)._meta.label


def _shequ_fields() -> list[tuple[type[models.Model], models.Field[Any, Any]]]:
    """Every stored field of every model of an installed shequ app, history tables included."""
    shequ_apps = {c.label for c in apps.get_app_configs() if c.name.startswith("shequ.")}
    return [
        (model, field)
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in shequ_apps
        for field in model._meta.concrete_fields
    ]


def test_every_field_that_can_hold_a_phone_or_id_number_is_sealed() -> None:
    offenders = sorted(
        f"{model._meta.label}.{field.name} ({field.verbose_name})"
        for model, field in _shequ_fields()
        if _looks_personal(field)
        and not sealed.is_sealed_field(field)
        and f"{_owner_label(model)}.{field.name}" not in NOT_PERSONAL
    )
    assert offenders == [], "store these with sealed.fields() (core/sealed.py): " + ", ".join(offenders)


def test_the_walk_sees_the_sealed_numbers_and_would_catch_a_plain_one() -> None:
    seen = {f"{m._meta.label}.{f.name}" for m, f in _shequ_fields() if _looks_personal(f)}
    assert {
        "registry.Resident.id_number_cipher",
        "registry.Resident.phone_masked",
        "registry.HistoricalResident.phone_digest",
        "registry.Organization.contact_phone_masked",
        "cases.Case.reporter_phone_cipher",
    } <= seen
    plain = [
        models.CharField("mobile", max_length=11),
        models.CharField(name="contact_tel", max_length=20),
        models.CharField(translation.gettext_lazy("ID number"), name="number", max_length=18),
        models.CharField("身份证号", name="sfz", max_length=18),
    ]
    for field in plain:
        field.name = field.name or "mobile"
        assert _looks_personal(field) and not sealed.is_sealed_field(field), field.verbose_name
    assert not _looks_personal(models.CharField("name", name="name"))
    assert not _looks_personal(models.CharField("unified social credit code", name="credit_code"))


def test_the_exempt_numbers_are_real_fields() -> None:
    labels = {f"{m._meta.label}.{f.name}" for m, f in _shequ_fields()}
    assert set(NOT_PERSONAL) <= labels


# --- nothing in clear through the API or the pages --------------------------------------------

MOBILE = re.compile(rb"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ID_NUMBER = re.compile(rb"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
ORG_PHONE = "13912345678"
REPORTER_PHONE = "13800138000"


def _api(user: User) -> APIClient:
    _instance, token_key = AuthToken.objects.create(user=user)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    return client


@pytest.fixture
def seeded(county: County) -> dict[str, Any]:
    """The county's residents, an organisation with a contact mobile and a case with a reporter's."""
    world = build_case_world(county)
    resident = Resident.objects.get(pk=county.residents["a11"].pk)
    grid = county.grid_a1_1
    org = Organization(
        name="熟溪超市", kind="shop", community=county.community_a1, grid=grid, area_path=grid.path
    )
    sealed.assign(org, "contact_phone", sealed.seal_for(Organization, "contact_phone", ORG_PHONE))
    org.save()
    case = report(world, reporter_phone=REPORTER_PHONE)
    numbers = {ORG_PHONE, REPORTER_PHONE}
    for row in Resident.objects.all():
        numbers |= {sealed.reveal(row, "id_number"), sealed.reveal(row, "phone")} - {""}
    return {"world": world, "resident": resident, "org": org, "case": case, "numbers": numbers}


def _urls(seeded: dict[str, Any]) -> list[str]:
    resident, org, case = seeded["resident"], seeded["org"], seeded["case"]
    api = "/api/v1"
    return [
        f"{api}/residents/",
        f"{api}/residents/{resident.pk}/",
        f"{api}/households/",
        f"{api}/households/{resident.household_id}/",
        f"{api}/organisations/",
        f"{api}/organisations/{org.pk}/",
        f"{api}/cases/",
        f"{api}/cases/{case.pk}/",
        reverse("registry:residents"),
        reverse("registry:resident_detail", args=[resident.pk]),
        reverse("registry:households"),
        reverse("registry:household_detail", args=[resident.household_id]),
        reverse("registry:organizations"),
        reverse("cases:list"),
        reverse("cases:detail", args=[case.pk]),
    ]


@pytest.mark.parametrize("role", [Role.COMMUNITY_WORKER, Role.DISTRICT_ADMIN])
def test_lists_and_details_never_serve_a_full_id_or_phone_number(seeded: dict[str, Any], role: Role) -> None:
    world = seeded["world"]
    user = world.worker if role == Role.COMMUNITY_WORKER else world.district_admin
    api, pages = _api(user), Client(HTTP_ACCEPT_LANGUAGE="en")
    pages.force_login(user)
    assert {len(n) for n in seeded["numbers"]} == {11, 18}  # mobiles and ID numbers to look for
    for url in _urls(seeded):
        response = (api if url.startswith("/api/") else pages).get(url)
        assert response.status_code == 200, url
        body = response.content
        leaked = sorted(n for n in seeded["numbers"] if n.encode() in body)
        assert leaked == [], f"{url} serves {leaked}"
        assert not MOBILE.search(body), (url, MOBILE.search(body))
        # 18 digits may be a building's code: only a number with a valid check digit is an ID.
        ids = [m[0] for m in ID_NUMBER.finditer(body) if idnumber.is_valid(m[0].decode())]
        assert ids == [], (url, ids)
    # The masks are what is served instead.
    case = api.get(f"/api/v1/cases/{seeded['case'].pk}/").json()
    assert "138****8000" in str(case)
    assert api.get(f"/api/v1/organisations/{seeded['org'].pk}/").json()["contact_phone"] == "139****5678"


def test_only_the_reveal_endpoints_serve_the_full_numbers(seeded: dict[str, Any]) -> None:
    county_admin = seeded["world"].district_admin
    resident, org = seeded["resident"], seeded["org"]
    api = _api(county_admin)
    numbers = api.post(
        f"/api/v1/residents/{resident.pk}/reveal/",
        {"purpose": "verify_identity", "note": "核实身份信息"},
        format="json",
    ).json()
    assert numbers["id_number"] == sealed.reveal(resident, "id_number")
    assert numbers["id_number"] in seeded["numbers"]
    contact = api.post(
        f"/api/v1/organisations/{org.pk}/reveal/",
        {"purpose": "verify_identity", "note": "核实身份信息"},
        format="json",
    ).json()
    assert contact["contact_phone"] == ORG_PHONE
