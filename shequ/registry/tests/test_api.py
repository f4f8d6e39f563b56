"""The registry API as an integrator meets it: search, filters, masking, reveal, writes, errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.core.idnumber import make as make_id
from shequ.places.models import Grid
from shequ.registry import pii
from shequ.registry.models import Building, Household, Resident, ResidentStatus, ResidentTag
from shequ.testing import PASSWORD, County, add_resident, make_user, square

pytestmark = pytest.mark.django_db

API = "/api/v1"
NEW_ID = make_id("330723", dt.date(1990, 5, 6), 2)
BAD_CHECK_DIGIT = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user: User | None, *, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        _instance, token_key = AuthToken.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    return client


@pytest.fixture
def head(county: County) -> User:
    return make_user(Role.COMMUNITY_HEAD, county.community_a1)


@pytest.fixture
def district(county: County) -> User:
    return make_user(Role.DISTRICT_ADMIN, county.district)


def names(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def assert_error(response: Any, status: int, *fields: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "fields"}
    assert body["detail"]
    for field in fields:
        assert field in body["fields"], body
        assert all(isinstance(m, str) and m for m in body["fields"][field])
    return body


# --- search and filters -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["zw", "ZW", "zhangwei", "zhang", "张伟"])
def test_search_finds_zhang_wei_by_name_pinyin_and_initials(
    county: County, district: User, text: str
) -> None:
    assert names(client_for(district).get(f"{API}/residents/", {"search": text})) == {"张伟"}


def test_search_by_exact_id_number_and_phone(county: County, district: User) -> None:
    li_na = county.residents["a12"]
    client = client_for(district)
    assert names(client.get(f"{API}/residents/", {"search": pii.plaintext_id_number(li_na)})) == {"李娜"}
    assert names(client.get(f"{API}/residents/", {"search": "13800000002"})) == {"李娜"}
    assert names(client.get(f"{API}/residents/", {"search": "138 0000 0002"})) == {"李娜"}
    assert names(client.get(f"{API}/residents/", {"search": "13800000009"})) == set()


def test_search_stays_inside_scope(county: County, head: User) -> None:
    assert (
        names(client_for(head).get(f"{API}/residents/", {"search": "13800000004"})) == set()
    )  # 刘洋, street B
    assert names(client_for(head).get(f"{API}/residents/", {"search": "ly"})) == set()


def test_grid_community_and_street_filters(county: County, district: User) -> None:
    client = client_for(district)
    assert names(client.get(f"{API}/residents/", {"grid": county.grid_a1_1.code})) == {"张伟"}
    assert names(client.get(f"{API}/residents/", {"community": county.community_a1.code})) == {"张伟", "李娜"}
    assert names(client.get(f"{API}/residents/", {"street": county.street_a.code})) == {
        "张伟",
        "李娜",
        "王芳",
    }
    assert names(client.get(f"{API}/residents/", {"grid": "330723009009009"})) == set()


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("grid", "12"),
        ("grid", "33072300100100x"),
        ("community", "abc"),
        ("street", "3307230010001"),
        ("age_band", "100-200"),
        ("status", "gone"),
        ("residence_type", "x"),
        ("household", "abc"),
        ("household", "99999999999999999999999"),
        ("tag", "no_such_tag"),
        ("page_size", "100000"),
        ("page_size", "-1"),
        ("page", "abc"),
    ],
)
def test_malformed_filter_is_a_400_naming_it(county: County, district: User, param: str, value: str) -> None:
    assert_error(client_for(district).get(f"{API}/residents/", {param: value}), 400, param)


def test_tag_age_band_and_status_filters(county: County, district: User) -> None:
    client = client_for(district)
    add_resident(county.residents["a11"].dwelling, "张小宝", birth=dt.date(2021, 3, 4), sequence=11)
    assert names(client.get(f"{API}/residents/", {"age_band": "0-6"})) == {"张小宝"}
    assert names(client.get(f"{API}/residents/", {"tag": "dibao"})) == {"张伟", "李娜", "王芳", "刘洋"}
    assert names(client.get(f"{API}/residents/", {"tag": "veteran"})) == set()
    assert names(client.get(f"{API}/residents/", {"status": "moved_out"})) == set()
    household = county.residents["a21"].household_id
    assert names(client.get(f"{API}/residents/", {"household": household})) == {"王芳"}


def test_restricted_tag_filter_is_refused_to_a_building_leader(county: County) -> None:
    leader = make_user(Role.BUILDING_LEADER, county.grid_a1_1)
    client = client_for(leader)
    assert names(client.get(f"{API}/residents/", {"tag": "elderly_alone"})) == {"张伟"}
    assert_error(client.get(f"{API}/residents/", {"tag": "dibao"}), 400, "tag")


def test_other_lists_filter_by_place_and_search(county: County, district: User) -> None:
    client = client_for(district)
    assert names(client.get(f"{API}/grids/", {"community": county.community_a1.code})) == {
        "熟溪第一网格",
        "熟溪第二网格",
    }
    assert names(client.get(f"{API}/grids/", {"search": "溪南"})) == {"溪南第一网格"}
    body = client.get(f"{API}/buildings/", {"search": "解放小区"}).json()
    assert [b["estate"] for b in body["results"]] == ["解放小区"]
    assert client.get(f"{API}/households/", {"community": county.community_b1.code}).json()["count"] == 1
    assert client.get(f"{API}/dwellings/", {"grid": county.grid_a2_1.code}).json()["count"] == 1
    assert names(client.get(f"{API}/areas/", {"level": "street"})) == {"壶山街道", "白洋街道"}
    assert_error(client.get(f"{API}/buildings/", {"community": "33"}), 400, "community")
    assert_error(client.get(f"{API}/areas/", {"level": "planet"}), 400, "level")


# --- masking and reveal -----------------------------------------------------------------------


def test_list_and_detail_show_only_masked_numbers(county: County, head: User) -> None:
    zhang = county.residents["a11"]
    id_number, phone = pii.plaintext_id_number(zhang), pii.plaintext_phone(zhang)
    client = client_for(head)
    for url in (
        f"{API}/residents/",
        f"{API}/residents/{zhang.pk}/",
        f"{API}/households/{zhang.household_id}/",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert id_number.encode() not in response.content
        assert phone.encode() not in response.content
        assert id_number[6:14].encode() not in response.content  # not even the birth date digits
    detail = client.get(f"{API}/residents/{zhang.pk}/").json()
    assert detail["id_number"] == f"{id_number[:6]}********{id_number[-4:]}"
    assert detail["phone"] == "138****0001"
    assert detail["status"] == {"code": "active", "label": "Living here"}
    assert detail["relation_to_head"]["code"] == "02"
    assert detail["gender"]["code"] in ("1", "2")
    assert {t["code"] for t in detail["tags"]} == {"elderly_alone", "dibao"}


def test_reveal_returns_numbers_and_writes_an_audit_event(county: County, head: User) -> None:
    zhang = county.residents["a11"]
    response = client_for(head).post(
        f"{API}/residents/{zhang.pk}/reveal/",
        {"purpose": "contact_visit", "note": "上门核实低保"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id_number": pii.plaintext_id_number(zhang),
        "phone": "13800000001",
        "expires_in": 60,
    }
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="resident:reveal")
    assert (event.actor_id, event.target_id, event.reason) == (
        head.pk,
        str(zhang.pk),
        "联系走访：上门核实低保",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "purpose"),
        ({"purpose": "verify_identity", "note": ""}, "note"),
        ({"purpose": "verify_identity", "note": "."}, "note"),
        ({"purpose": "verify_identity", "note": "   "}, "note"),
        ({"purpose": "curious", "note": "上门核实低保"}, "purpose"),
        ({"note": "上门核实低保"}, "purpose"),
    ],
)
def test_reveal_without_a_purpose_and_note_is_a_400_and_audits_nothing(
    county: County, head: User, payload: dict, field: str
) -> None:
    zhang = county.residents["a11"]
    response = client_for(head).post(f"{API}/residents/{zhang.pk}/reveal/", payload, format="json")
    assert_error(response, 400, field)
    assert pii.plaintext_id_number(zhang).encode() not in response.content
    assert not AuditEvent.objects.filter(action="resident:reveal").exists()


def test_reveal_expiry_follows_the_setting(county: County, head: User, settings: Any) -> None:
    settings.SHEQU_REVEAL_SECONDS = 15
    zhang = county.residents["a11"]
    response = client_for(head).post(
        f"{API}/residents/{zhang.pk}/reveal/",
        {"purpose": "verify_identity", "note": "核实身份证"},
        format="json",
    )
    assert response.json()["expires_in"] == 15


# --- places -----------------------------------------------------------------------------------


def test_grid_geojson_is_a_feature_collection_of_the_grids_in_scope(county: County, head: User) -> None:
    response = client_for(head).get(f"{API}/grids/geojson/")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert {f["properties"]["code"] for f in body["features"]} == {
        county.grid_a1_1.code,
        county.grid_a1_2.code,
    }
    feature = next(f for f in body["features"] if f["properties"]["code"] == county.grid_a1_1.code)
    assert feature["type"] == "Feature"
    assert feature["properties"]["name"] == "熟溪第一网格"
    assert feature["geometry"]["type"] == "Polygon"


def test_grid_boundary_change_is_checked(county: County, head: User) -> None:
    client = client_for(head)
    url = f"{API}/grids/{county.grid_a1_1.pk}/"
    smaller = square(119.80, 28.90, 0.008)
    response = client.patch(
        url,
        {"boundary": {"type": "Feature", "geometry": smaller, "properties": {}}, "reason": "重新划分"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["boundary"] == smaller
    assert Grid.objects.get(pk=county.grid_a1_1.pk).boundary == smaller
    for bad in (
        {"type": "Point", "coordinates": [1, 2]},
        "not geojson",
        [1, 2],
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
        {"type": "Polygon", "coordinates": "x"},
        square(119.81, 28.90, 0.01),
    ):
        assert_error(client.patch(url, {"boundary": bad}, format="json"), 400, "boundary")
    assert_error(client.patch(url, {}, format="json"), 400, "boundary")
    assert Grid.objects.get(pk=county.grid_a1_1.pk).boundary == smaller


def test_tag_list_hides_restricted_tags_from_a_building_leader(county: County, head: User) -> None:
    leader = make_user(Role.BUILDING_LEADER, county.grid_a1_1)
    leader_tags = {t["code"] for t in client_for(leader).get(f"{API}/tags/").json()}
    head_tags = {t["code"] for t in client_for(head).get(f"{API}/tags/").json()}
    assert "elderly_alone" in leader_tags and "dibao" not in leader_tags
    assert {"elderly_alone", "dibao"} <= head_tags
    assert client_for(leader).get(f"{API}/tags/dibao/").status_code == 404
    zhang = client_for(leader).get(f"{API}/residents/{county.residents['a11'].pk}/").json()
    assert [t["code"] for t in zhang["tags"]] == ["elderly_alone"]


# --- writes -----------------------------------------------------------------------------------


def test_register_update_and_life_events_of_a_resident(county: County, head: User) -> None:
    client = client_for(head)
    dwelling = county.residents["a11"].dwelling
    response = client.post(
        f"{API}/residents/",
        {
            "name": "赵敏",
            "id_number": NEW_ID,
            "phone": "13912345678",
            "ethnicity": "汉族",
            "dwelling": dwelling.pk,
            "household": county.residents["a11"].household_id,
            "relation_to_head": "10",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["grid"]["code"] == county.grid_a1_1.code
    assert body["ethnicity"]["code"] == "01"
    assert body["birth_date"] == "1990-05-06"
    assert NEW_ID not in response.content.decode()
    rid = body["id"]

    response = client.patch(
        f"{API}/residents/{rid}/", {"workplace": "武义县人民医院", "reason": "走访更新"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["workplace"] == "武义县人民医院"

    response = client.post(
        f"{API}/residents/{rid}/life-events/",
        {"kind": "move_out", "date": str(timezone.localdate()), "note": "迁往杭州"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"]["code"] == "move_out"
    assert Resident.objects.get(pk=rid).status == ResidentStatus.MOVED_OUT
    events = client.get(f"{API}/residents/{rid}/life-events/").json()
    assert [e["kind"]["code"] for e in events] == ["move_out"]

    tomorrow = str(timezone.localdate() + dt.timedelta(days=1))
    assert_error(
        client.post(
            f"{API}/residents/{rid}/life-events/", {"kind": "move_in", "date": tomorrow}, format="json"
        ),
        400,
        "date",
    )
    assert_error(
        client.post(
            f"{API}/residents/{rid}/life-events/", {"kind": "vanish", "date": "2024-01-01"}, format="json"
        ),
        400,
        "kind",
    )


def test_add_and_remove_tags(county: County, head: User) -> None:
    zhang = county.residents["a11"]
    client = client_for(head)
    response = client.post(
        f"{API}/residents/{zhang.pk}/tags/", {"tag": "veteran", "since": "2020-08-01"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert "veteran" in {t["code"] for t in response.json()["tags"]}
    assert_error(client.post(f"{API}/residents/{zhang.pk}/tags/", {"tag": "nope"}, format="json"), 400, "tag")
    assert client.delete(f"{API}/residents/{zhang.pk}/tags/veteran/?reason=核实有误").status_code == 204
    assert not ResidentTag.objects.filter(resident=zhang, tag__code="veteran").exists()
    assert client.delete(f"{API}/residents/{zhang.pk}/tags/nope/").status_code == 404


def test_create_building_and_household(county: County, head: User) -> None:
    client = client_for(head)
    response = client.post(
        f"{API}/buildings/",
        {
            "grid": county.grid_a1_2.code,
            "name": "2幢",
            "estate": "溪北小区",
            "address": "武义县溪北小区2幢",
            "floors": 11,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    building = Building.objects.get(pk=response.json()["id"])
    assert (building.community, building.grid, building.floors) == (county.community_a1, county.grid_a1_2, 11)
    assert building.code == f"{county.community_a1.code}00003"

    response = client.post(
        f"{API}/households/", {"community": county.community_a1.code, "number": "H-NEW"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["members"] == []
    assert_error(
        client.post(
            f"{API}/households/", {"community": county.community_a1.code, "number": "H-NEW"}, format="json"
        ),
        400,
        "number",
    )
    assert Household.objects.filter(number="H-NEW").count() == 1


def test_places_that_disagree_are_refused(county: County, head: User) -> None:
    client = client_for(head)
    response = client.post(
        f"{API}/buildings/",
        {"community": county.community_a1.code, "name": "x", "address": "x", "grid": county.grid_a2_1.code},
        format="json",
    )
    assert response.status_code == 400  # grid a2 is outside the head's community: it does not exist for them
    response = client.post(f"{API}/residents/", {"name": "赵敏", "id_number": NEW_ID}, format="json")
    assert_error(response, 400, "community")


def test_residents_are_never_deleted(county: County, head: User) -> None:
    zhang = county.residents["a11"]
    assert client_for(head).delete(f"{API}/residents/{zhang.pk}/").status_code == 405
    assert (
        client_for(head).put(f"{API}/residents/{zhang.pk}/", {"name": "x"}, format="json").status_code == 405
    )
    assert Resident.objects.filter(pk=zhang.pk).exists()


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"name": "赵敏", "id_number": BAD_CHECK_DIGIT, "community": "330723001001"}, ["id_number"]),
        ({"name": "赵敏", "id_number": "12345", "community": "330723001001"}, ["id_number"]),
        ({"name": "赵敏", "id_number": NEW_ID, "community": "330723001001", "phone": "12"}, ["phone"]),
        (
            {"name": "赵敏", "id_number": NEW_ID, "community": "330723001001", "ethnicity": "火星族"},
            ["ethnicity"],
        ),
        ({"name": ["赵敏"], "community": "330723001001"}, ["name"]),
        ({"name": "赵敏", "community": 330723001001.5}, ["community"]),
        ({"name": "赵敏", "community": {"code": "x"}}, ["community"]),
        ({"name": "赵敏", "community": "330723001001", "household": "abc"}, ["household"]),
        ({"name": "赵敏", "community": "330723001001", "dwelling": 10**30}, ["dwelling"]),
        ({"name": "赵敏", "community": "330723001001", "notes": "x" * 3000}, ["notes"]),
        ({"community": "330723001001"}, ["name"]),
    ],
)
def test_bad_resident_data_is_a_structured_400(
    county: County, head: User, payload: dict, fields: list
) -> None:
    before = Resident.objects.count()
    body = assert_error(
        client_for(head, language="zh-hans").post(f"{API}/residents/", payload, format="json"), 400, *fields
    )
    assert body["code"] == "invalid"
    assert Resident.objects.count() == before


def test_malformed_json_and_wrong_shapes_are_400s(county: County, head: User) -> None:
    client = client_for(head, language="zh-hans")
    response = client.post(f"{API}/residents/", data='{"name": "赵', content_type="application/json")
    assert assert_error(response, 400)["code"] == "parse_error"
    assert_error(
        client.post(f"{API}/residents/", data="[1, 2]", content_type="application/json"),
        400,
        "non_field_errors",
    )
    zhang = county.residents["a11"]
    assert_error(
        client.patch(f"{API}/residents/{zhang.pk}/", {"birth_date": "2023-02-30"}, format="json"),
        400,
        "birth_date",
    )
    assert_error(client.patch(f"{API}/residents/{zhang.pk}/", {"gender": "x"}, format="json"), 400, "gender")


@pytest.mark.parametrize("pk", ["abc", "0", "-1", "99999999999999999999999", "1.5"])
def test_odd_ids_are_404s(county: County, head: User, pk: str) -> None:
    for url in (f"{API}/residents/{pk}/", f"{API}/grids/{pk}/", f"{API}/households/{pk}/"):
        response = client_for(head).get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


# --- auth and documentation -------------------------------------------------------------------


def test_token_flow(county: County) -> None:
    user = make_user(Role.GRID_WORKER, county.grid_a1_1, username="wangwu")
    client = APIClient()
    response = client.post(f"{API}/auth/token/", {"username": "wangwu", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    stored = AuthToken.objects.get(user=user)
    assert stored.expiry is not None and response.json()["expiry"]
    assert token not in {stored.digest, stored.token_key}  # the key itself is never stored
    assert client.get(f"{API}/residents/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert names(client.get(f"{API}/residents/")) == {"张伟"}


def test_token_refuses_bad_credentials_and_locked_accounts(county: County, settings: Any) -> None:
    settings.SHEQU_LOGIN_MAX_FAILURES = 3
    make_user(Role.GRID_WORKER, county.grid_a1_1, username="wangwu")
    client = APIClient()
    url = f"{API}/auth/token/"
    assert assert_error(client.post(url, {"username": "nobody", "password": "x"}, format="json"), 400)[
        "code"
    ] == ("login_failed")
    assert_error(client.post(url, {"username": "wangwu"}, format="json"), 400, "password")
    assert_error(client.post(url, data="{", content_type="application/json"), 400)
    for _ in range(3):
        body = assert_error(client.post(url, {"username": "wangwu", "password": "wrong"}, format="json"), 400)
        assert body["code"] == "login_failed"
    body = assert_error(client.post(url, {"username": "wangwu", "password": PASSWORD}, format="json"), 400)
    assert body["code"] == "account_locked"
    assert not AuthToken.objects.filter(user__username="wangwu").exists()


def test_session_auth_works_for_the_pages_scripts(county: County, head: User) -> None:
    client = APIClient()
    client.force_login(head)
    assert names(client.get(f"{API}/residents/")) == {"张伟", "李娜"}


def test_schema_and_docs_are_served_offline(client: Any) -> None:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/residents/{id}/reveal/" in response.content
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "jsdelivr" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
