"""What /api/schema/ promises about request bodies and parameters (issue 11, finding 14).

The fuzz test (test_api_fuzz.py) checks that what the schema calls valid is accepted; these pin
the facts an integrator's generated client relies on, so a looser schema shows up here by name.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shequ.accounts.roles import Role
from shequ.core import idnumber
from shequ.core.serializers import ID_NUMBER, PHONE, latitude_pattern, longitude_pattern
from shequ.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client: Any) -> dict[str, Any]:
    client.force_login(make_user(Role.ADMIN))
    return client.get("/api/schema/", HTTP_ACCEPT="application/json").json()


def _component(schema: dict[str, Any], ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref", "")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else ref_or_schema


def _request(
    schema: dict[str, Any], path: str, method: str, media: str = "application/json"
) -> dict[str, Any]:
    body = schema["paths"][path][method]["requestBody"]["content"][media]["schema"]
    return _component(schema, body)


def _enum(schema: dict[str, Any], prop: dict[str, Any]) -> set[str]:
    values: set[str] = set()
    for branch in prop.get("oneOf") or prop.get("allOf") or [prop]:
        values |= set(_component(schema, branch).get("enum", []))
    return values


def test_a_new_resident_needs_a_name_and_an_id_number_of_the_national_form(schema: dict[str, Any]) -> None:
    body = _request(schema, "/api/v1/residents/", "post")
    assert "name" in body["required"]
    identity_card, other_document = body["anyOf"]
    assert identity_card["required"] == ["id_number"]
    assert identity_card["properties"]["id_number"]["pattern"] == ID_NUMBER
    assert _enum(schema, identity_card["properties"]["id_type"]) == {"", "resident_id"}
    assert "passport" in _enum(schema, other_document["properties"]["id_type"])
    props = body["properties"]
    assert {"1", "2", "男", "女"} <= _enum(schema, props["gender"])
    assert {"01", "汉族"} <= _enum(schema, props["ethnicity"])
    assert {"registered", "floating"} <= _enum(schema, props["residence_type"])
    assert props["phone"]["oneOf"][0]["pattern"] == PHONE
    assert props["community"]["pattern"] == r"^\d{12}$"
    assert props["grid"]["pattern"] == r"^\d{15}$"
    assert props["micro_grid"]["pattern"] == r"^\d{18}$"


@settings(max_examples=200, deadline=None)
@given(
    region=st.sampled_from(["110101", "330723", "440305", "810000", "650102"]),
    birth=st.dates(min_value=dt.date(1880, 1, 1), max_value=dt.date(2026, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
)
def test_the_id_number_pattern_admits_every_valid_number(region: str, birth: dt.date, sequence: int) -> None:
    """The pattern may only be looser than the check (the check digit, 29 February), never stricter."""
    assert re.fullmatch(ID_NUMBER, idnumber.make(region, birth, sequence))


@pytest.mark.parametrize(
    "number", ["330723199002301234", "000723199001011234", "33072318790101123X", "3307231990010112"]
)
def test_the_id_number_pattern_refuses_what_no_number_can_be(number: str) -> None:
    assert not re.search(ID_NUMBER, number)


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (latitude_pattern(), ["30.123456", "-90", "90.0", "0"], ["90.5", "-91", "1.1234567", ".", "-"]),
        (longitude_pattern(), ["119.987654", "-180", "180.000000"], ["180.1", "200", "1e3"]),
        (PHONE, ["13800138000", "0579-87654321", "057987654321"], ["12345", "138001380001", ""]),
    ],
)
def test_number_patterns(pattern: str, good: list[str], bad: list[str]) -> None:
    assert all(re.search(pattern, value) for value in good)
    assert not any(re.search(pattern, value) for value in bad)


def test_a_household_needs_a_number_that_is_not_blank(schema: dict[str, Any]) -> None:
    body = _request(schema, "/api/v1/households/", "post")
    assert body["properties"]["number"]["pattern"] == r"\S"
    assert body["properties"]["number"]["maxLength"] == 32
    assert _enum(schema, body["properties"]["household_type"]) == {"registered", "floating", "collective"}


def test_a_grid_boundary_change_requires_a_geojson_polygon(schema: dict[str, Any]) -> None:
    body = _request(schema, "/api/v1/grids/{id}/", "patch")
    assert body["required"] == ["boundary"]
    kinds = {branch["properties"]["type"]["enum"][0] for branch in body["properties"]["boundary"]["oneOf"]}
    assert kinds == {"Polygon", "MultiPolygon", "Feature"}
    assert set(schema["paths"]["/api/v1/grids/{id}/"]["patch"]["requestBody"]["content"]) == {
        "application/json"
    }


def test_case_steps_document_their_own_bodies_and_answer_the_case_with_its_file(
    schema: dict[str, Any],
) -> None:
    for step in ("refuse", "return", "escalate", "suspend", "correct"):
        body = _request(schema, f"/api/v1/cases/{{id}}/{step}/", "post")
        assert body["required"][0] == "reason" and body["properties"]["reason"]["pattern"] == r"\S", step
    for step in ("supervise", "comment"):
        assert "note" in _request(schema, f"/api/v1/cases/{{id}}/{step}/", "post")["required"], step
    assert _request(schema, "/api/v1/cases/{id}/take/", "post").get("required") is None
    reply = _request(schema, "/api/v1/cases/{id}/reply/", "post", "multipart/form-data")
    assert reply["required"] == ["note"] and reply["properties"]["photos"]["items"]["format"] == "binary"
    assert "photos" not in _request(schema, "/api/v1/cases/{id}/reply/", "post")["properties"]
    accept = schema["paths"]["/api/v1/cases/{id}/accept/"]["post"]["responses"]["200"]
    assert accept["content"]["application/json"]["schema"]["$ref"].endswith("/CaseDetail")


def test_a_case_report_states_its_description_place_and_phone_forms(schema: dict[str, Any]) -> None:
    body = _request(schema, "/api/v1/cases/", "post", "multipart/form-data")
    assert set(body["required"]) == {"category", "description"}
    props = body["properties"]
    assert props["category"]["pattern"] == r"^[a-z0-9_.-]{1,32}$"
    assert re.search(props["description"]["pattern"], "路灯不亮了") and not re.search(
        props["description"]["pattern"], "  灯坏  "
    )
    assert props["description"]["maxLength"] == 2000
    assert props["reporter_name"]["maxLength"] == 64


def test_new_categories_state_their_time_limits(schema: dict[str, Any]) -> None:
    body = _request(schema, "/api/v1/case-categories/", "post")
    assert {"code", "name", "accept_hours", "handle_hours"} <= set(body["required"])
    hours = body["properties"]["accept_hours"]["pattern"]
    assert all(re.search(hours, v) for v in ["0.5", "8", "16.5", "2000", "1999.9"])
    assert not any(re.search(hours, v) for v in ["0.4", "2000.1", "3000", ".", "-1", "1.25"])
    patched = _request(schema, "/api/v1/case-categories/{id}/", "patch")
    assert not patched.get("required")


def test_lists_state_their_page_and_filter_forms(schema: dict[str, Any]) -> None:
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/residents/"]["get"]["parameters"]}
    assert parameters["page"] == {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 500}
    assert parameters["community"]["pattern"] == r"^\d{12}$"
    assert parameters["street"]["pattern"] == r"^\d{12}$"
    assert parameters["grid"]["pattern"] == r"^\d{15}$"
    assert parameters["household"]["type"] == "integer" and parameters["household"]["minimum"] == 1
    assert parameters["search"]["maxLength"] == 100


def test_a_community_code_sent_as_a_json_number_is_still_found(client: Any, county: Any) -> None:
    client.force_login(make_user(Role.ADMIN))
    code = int(county.community_a1.code)
    response = client.post(
        "/api/v1/households/", {"number": "H-n1", "community": code}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    refused = client.post(
        "/api/v1/households/", {"number": "H-n2", "community": "3307"}, content_type="application/json"
    )
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["community"]
