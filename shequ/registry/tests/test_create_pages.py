"""The 新增 pages: a resident, a household, a building and an organisation added through a form are
stored, audited and shown; bad input comes back in Chinese with what was typed; places outside the
worker's area are refused; roles that may not add records get no button and a 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.core import sealed
from shequ.core.idnumber import make as make_id
from shequ.registry import pii
from shequ.registry.actions import RegistryAction
from shequ.registry.models import Building, Household, Organization, Resident
from shequ.testing import County, make_user

pytestmark = pytest.mark.django_db

CREATE_PAGES = [
    ("registry:resident_create", "registry:residents"),
    ("registry:household_create", "registry:households"),
    ("registry:building_create", "registry:buildings"),
    ("registry:organization_create", "registry:organizations"),
]


@pytest.fixture(autouse=True)
def chinese() -> Any:
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def worker_client(client: Any, county: County) -> Any:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1, username="worker_a1"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


def page(response: Any) -> str:
    return response.content.decode()


def audited(action: RegistryAction, target: Any) -> bool:
    return AuditEvent.objects.filter(action=action, target_id=str(target.pk)).exists()


def test_a_resident_added_on_the_form_is_stored_sealed_and_audited(
    worker_client: Any, county: County
) -> None:
    number = make_id("330723", dt.date(1990, 5, 6), 17)
    response = worker_client.post(
        reverse("registry:resident_create"),
        {
            "name": "赵敏",
            "id_type": "resident_id",
            "id_number": number,
            "phone": "139-0000-1234",
            "ethnicity": "汉族",
            "residence_type": "registered",
            "grid": county.grid_a1_1.pk,
            "household_number": "Ha11",
            "relation_to_head": "儿子",
        },
    )
    resident = Resident.objects.get(name="赵敏")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:resident_detail", args=[resident.pk])
    assert resident.community == county.community_a1 and resident.grid == county.grid_a1_1
    assert resident.household is not None and resident.household.number == "Ha11"
    assert resident.birth_date == dt.date(1990, 5, 6)  # from the ID number, as the import does
    assert resident.ethnicity == "01" and resident.relation_to_head == "20"
    assert resident.id_number_digest == pii.id_digest(number)
    assert resident.phone_masked == "139****1234" and number not in resident.id_number_masked
    assert audited(RegistryAction.REGISTER_RESIDENT, resident)
    assert "赵敏" in page(worker_client.get(response["Location"]))


def test_a_bad_id_number_is_refused_in_chinese_and_the_other_fields_stay(
    worker_client: Any, county: County
) -> None:
    response = worker_client.post(
        reverse("registry:resident_create"),
        {
            "name": "钱多多",
            "id_type": "resident_id",
            "id_number": "330723199005060000",
            "phone": "13900001234",
            "residence_type": "registered",
            "grid": county.grid_a1_1.pk,
            "workplace": "武义县人民医院",
        },
    )
    text = page(response)
    assert response.status_code == 400
    assert "身份证号码校验位错误" in text  # the import's message, next to the field
    assert 'value="钱多多"' in text and 'value="武义县人民医院"' in text and 'value="13900001234"' in text
    assert county.grid_a1_1.name in text  # the picked grid is still picked
    assert not Resident.objects.filter(name="钱多多").exists()


def test_a_household_is_added_with_its_dwelling(worker_client: Any, county: County) -> None:
    building = county.buildings["a11"]
    response = worker_client.post(
        reverse("registry:household_create"),
        {
            "community": county.community_a1.pk,
            "number": "H-NEW-1",
            "household_type": "floating",
            "building_code": building.code,
            "unit": "2",
            "room": "502",
        },
    )
    household = Household.objects.get(number="H-NEW-1")
    assert response["Location"] == reverse("registry:household_detail", args=[household.pk])
    assert household.dwelling is not None and household.dwelling.building == building
    assert (household.dwelling.unit, household.dwelling.room, household.dwelling.floor) == ("2", "502", 5)
    assert household.area_path == building.area_path
    assert audited(RegistryAction.CREATE_HOUSEHOLD, household)


def test_a_used_household_number_is_refused_on_the_form(worker_client: Any, county: County) -> None:
    response = worker_client.post(
        reverse("registry:household_create"),
        {"community": county.community_a1.pk, "number": "Ha11", "household_type": "registered"},
    )
    assert response.status_code == 400
    assert "已被使用" in page(response) and 'value="Ha11"' in page(response)


def test_a_building_is_numbered_in_its_community_and_audited(worker_client: Any, county: County) -> None:
    response = worker_client.post(
        reverse("registry:building_create"),
        {
            "name": "溪南小区9幢",
            "estate": "溪南小区",
            "address": "武义县溪南小区9幢",
            "micro_grid": county.micro_a1_1_1.pk,
            "floors": 11,
            "units": 2,
        },
    )
    building = Building.objects.get(name="溪南小区9幢")
    assert response["Location"] == reverse("registry:building_detail", args=[building.pk])
    assert building.code.startswith(county.community_a1.code) and len(building.code) == 17
    assert building.grid == county.grid_a1_1 and building.micro_grid == county.micro_a1_1_1
    assert building.floors == 11
    assert audited(RegistryAction.CREATE_BUILDING, building)


def test_an_organisation_is_placed_in_its_building_with_a_sealed_phone(
    worker_client: Any, county: County
) -> None:
    building = county.buildings["a12"]
    response = worker_client.post(
        reverse("registry:organization_create"),
        {
            "name": "溪北便民超市",
            "kind": "shop",
            "building_code": building.code,
            "contact_name": "孙立",
            "contact_phone": "13700001111",
            "employees": "4",
        },
    )
    org = Organization.objects.get(name="溪北便民超市")
    assert response["Location"] == reverse("registry:organization_detail", args=[org.pk])
    assert org.community == county.community_a1 and org.grid == county.grid_a1_2
    assert org.address == building.address and org.area_path == building.area_path
    assert org.contact_phone_masked == "137****1111" and sealed.reveal(org, "contact_phone") == "13700001111"
    assert audited(RegistryAction.CREATE_ORGANIZATION, org)


def test_a_bad_credit_code_is_refused_in_chinese(worker_client: Any, county: County) -> None:
    response = worker_client.post(
        reverse("registry:organization_create"),
        {
            "name": "某某公司",
            "kind": "company",
            "community": county.community_a1.pk,
            "credit_code": "91330723ABC",
        },
    )
    assert response.status_code == 400
    assert "统一社会信用代码" in page(response) and 'value="某某公司"' in page(response)
    assert not Organization.objects.filter(name="某某公司").exists()


def test_a_resident_placed_by_household_alone_takes_its_building_grid(
    worker_client: Any, county: County
) -> None:
    response = worker_client.post(
        reverse("registry:resident_create"),
        {
            "name": "孙小美",
            "id_type": "passport",
            "id_number": "E12345678",
            "residence_type": "foreign",
            "household_number": "Ha12",
        },
    )
    resident = Resident.objects.get(name="孙小美")
    assert response.status_code == 302
    assert resident.grid == county.grid_a1_2 and resident.dwelling == county.residents["a12"].dwelling


def test_a_household_of_another_community_is_refused(worker_client: Any, county: County) -> None:
    worker_client.force_login(make_user(Role.STREET_ADMIN, county.street_a))
    response = worker_client.post(
        reverse("registry:resident_create"),
        {
            "name": "错户",
            "id_type": "passport",
            "id_number": "E7654321",
            "residence_type": "foreign",
            "community": county.community_a2.pk,
            "household_number": "Ha11",
        },
    )
    assert response.status_code == 400 and "该位置不在本社区内" in page(response)
    assert not Resident.objects.filter(name="错户").exists()


@pytest.mark.parametrize("name", ["registry:resident_create", "registry:building_create"])
def test_a_place_outside_the_area_is_refused(worker_client: Any, county: County, name: str) -> None:
    before = (Resident.objects.count(), Building.objects.count())
    response = worker_client.post(
        reverse(name),
        {
            "name": "外区",
            "address": "外区1幢",
            "floors": 1,
            "units": 1,
            "id_type": "resident_id",
            "residence_type": "registered",
            "grid": county.grid_b1_1.pk,
        },
    )
    assert response.status_code == 400
    assert "请从列表中选择地点" in page(response)
    assert (Resident.objects.count(), Building.objects.count()) == before


def test_a_grid_worker_cannot_add_in_the_neighbouring_grid(client: Any, county: County) -> None:
    """The neighbouring grid is not offered; the community itself is above the worker's scope."""
    client.force_login(make_user(Role.GRID_WORKER, county.grid_a1_1))
    response = client.post(
        reverse("registry:building_create"),
        {"name": "2幢", "address": "熟溪2幢", "floors": 1, "units": 1, "grid": county.grid_a1_2.pk},
    )
    assert response.status_code == 400
    assert not Building.objects.filter(name="2幢").exists()


def test_a_grid_worker_cannot_add_at_the_community_above_the_grid(client: Any, county: County) -> None:
    """The community is offered (the worker sees its name) but the service refuses to change it."""
    client.force_login(make_user(Role.GRID_WORKER, county.grid_a1_1))
    response = client.post(
        reverse("registry:organization_create"),
        {"name": "社区级单位", "kind": "company", "community": county.community_a1.pk},
    )
    assert response.status_code == 400
    assert "您无权在此范围内执行该操作" in page(response)
    assert not Organization.objects.filter(name="社区级单位").exists()
    ok = client.post(
        reverse("registry:organization_create"),
        {"name": "网格内单位", "kind": "company", "grid": county.grid_a1_1.pk},
    )
    assert ok.status_code == 302 and Organization.objects.get(name="网格内单位").grid == county.grid_a1_1


@pytest.mark.parametrize(("create", "listing"), CREATE_PAGES)
def test_a_role_that_may_not_add_gets_no_button_and_a_403(
    client: Any, county: County, create: str, listing: str
) -> None:
    client.force_login(make_user(Role.BUILDING_LEADER, county.grid_a1_1))
    assert reverse(create) not in page(client.get(reverse(listing)))
    assert client.get(reverse(create)).status_code == 403
    assert client.post(reverse(create), {"name": "x"}).status_code == 403


@pytest.mark.parametrize(("create", "listing"), CREATE_PAGES)
def test_a_worker_sees_the_button_and_the_empty_form(worker_client: Any, create: str, listing: str) -> None:
    assert reverse(create) in page(worker_client.get(reverse(listing)))
    form = page(worker_client.get(reverse(create)))
    assert "data-picker-stay" in form and "保存" in form


def test_the_grid_link_prefills_the_place(worker_client: Any, county: County) -> None:
    text = page(worker_client.get(reverse("registry:resident_create") + f"?grid={county.grid_a1_1.pk}"))
    assert county.grid_a1_1.name in text
