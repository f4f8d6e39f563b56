"""Open311 GeoReport v2 as a client meets it: every endpoint in JSON and XML, every error path and
both error formats, the POST → GET → token round trip, the status mapping through the loop, the
filters, no personal data in what anyone can read, and the command that issues keys."""

from __future__ import annotations

import datetime as dt
import io
import json
import socket
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from shequ.audit.models import AuditEvent
from shequ.cases import services
from shequ.cases.models import Case, CaseCategory, CaseEvent, CaseStatus, EventAction, Open311Client, Source
from shequ.cases.open311 import service_requests
from shequ.cases.testing import CaseWorld, advance, build_case_world, first_building, photo, report
from shequ.core.actors import System

pytestmark = pytest.mark.django_db

V2 = "/open311/v2"
JURISDICTION = "shequ.local"
IN_GRID = {"lat": "28.905", "long": "119.805"}  # inside grid a1-1 (熟溪第一网格)
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture(autouse=True)
def _settings(settings: Any, tmp_path: Any) -> None:
    settings.SHEQU_OPEN311_JURISDICTION = JURISDICTION
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


@pytest.fixture
def api() -> Client:
    # A client system: no session, no CSRF token, English messages.
    return Client(enforce_csrf_checks=True, headers={"accept-language": "en"})


@pytest.fixture
def key(world: CaseWorld) -> str:
    _client, key = services.create_open311_key(by=System("test"), name="12345 热线平台")
    return key


def xml_of(response: Any) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 (our own server's answer)


def json_of(response: Any) -> Any:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def errors_json(response: Any, status: int) -> list[str]:
    assert response.status_code == status, response.content
    body = json_of(response)
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) == {"code", "description"}
        assert error["code"] == status and error["description"]
    return [error["description"] for error in body]


def errors_xml(response: Any, status: int) -> list[str]:
    assert response.status_code == status, response.content
    root = xml_of(response)
    assert root.tag == "errors" and len(root)
    out = []
    for error in root:
        assert error.tag == "error"
        assert [child.tag for child in error] == ["code", "description"]
        assert error.findtext("code") == str(status)
        out.append(error.findtext("description") or "")
    assert all(out)
    return out


def post(api: Client, key: str | None, fmt: str = "json", **params: Any) -> Any:
    data = {"jurisdiction_id": JURISDICTION, "service_code": "sanitation.garbage", **params}
    if key is not None:
        data["api_key"] = key
    data.setdefault("description", "小区门口垃圾堆放三天无人清运")
    return api.post(f"{V2}/requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def leaf_codes() -> set[str]:
    return {
        c.code
        for c in CaseCategory.objects.filter(active=True, public=True)
        if not c.children.filter(active=True).exists()
    }


# --- discovery -----------------------------------------------------------------------------------


def test_discovery_in_json_and_xml_points_at_this_endpoint(world: CaseWorld, api: Client) -> None:
    body = json_of(api.get(f"{V2}/discovery.json"))
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["type"] in ("production", "test") and endpoint["changeset"] == body["changeset"]
    assert body["changeset"]  # categories exist, so there is a last change

    root = xml_of(api.get(f"{V2}/discovery.xml"))
    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint_el = root.find("endpoints/endpoint")
    assert endpoint_el is not None
    assert [c.tag for c in endpoint_el] == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in endpoint_el.findall("formats/format")] == ["text/xml", "application/json"]
    assert endpoint_el.findtext("url") == "http://testserver/open311/v2"


def test_discovery_changeset_moves_when_a_service_changes(world: CaseWorld, api: Client) -> None:
    before = json_of(api.get(f"{V2}/discovery.json"))["changeset"]
    category = CaseCategory.objects.get(code="sanitation.sewage")
    category.updated_at = timezone.now() + dt.timedelta(days=1)
    CaseCategory.objects.filter(pk=category.pk).update(updated_at=category.updated_at)
    assert json_of(api.get(f"{V2}/discovery.json"))["changeset"] > before


def test_root_serves_discovery_in_the_format_asked_for(world: CaseWorld, api: Client) -> None:
    assert xml_of(api.get(f"{V2}/")).tag == "discovery"
    assert "endpoints" in json_of(api.get(f"{V2}/", headers={"accept": "application/json"}))


# --- services ------------------------------------------------------------------------------------


def test_services_are_active_public_leaf_categories(world: CaseWorld, api: Client) -> None:
    body = json_of(api.get(f"{V2}/services.json", {"jurisdiction_id": JURISDICTION}))
    assert {s["service_code"] for s in body} == leaf_codes()
    assert "sanitation" not in {s["service_code"] for s in body}  # a group, not something to report
    garbage = next(s for s in body if s["service_code"] == "sanitation.garbage")
    assert garbage["service_name"] == "垃圾堆放" and garbage["group"] == "环境卫生"
    assert garbage["metadata"] is False and garbage["type"] == "realtime"
    assert "垃圾堆放" in garbage["keywords"] and "环境卫生" in garbage["keywords"]
    assert set(garbage) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }

    root = xml_of(api.get(f"{V2}/services.xml"))
    assert root.tag == "services" and {s.tag for s in root} == {"service"}
    assert {s.findtext("service_code") for s in root} == leaf_codes()
    first = root[0]
    assert [c.tag for c in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first.findtext("metadata") == "false" and first.findtext("type") == "realtime"


def test_services_follow_the_category_tree(world: CaseWorld, api: Client) -> None:
    CaseCategory.objects.filter(code="sanitation.sewage").update(active=False)
    CaseCategory.objects.filter(code="municipal.road").update(public=False)
    # A group whose sub-categories are all switched off becomes a service itself.
    CaseCategory.objects.filter(parent__code="fire").update(active=False)
    codes = {s["service_code"] for s in json_of(api.get(f"{V2}/services.json"))}
    assert "sanitation.sewage" not in codes and "municipal.road" not in codes
    assert "fire" in codes and "fire.lane" not in codes
    assert "sanitation.garbage" in codes


def test_service_definition_for_every_service_and_404_for_others(world: CaseWorld, api: Client) -> None:
    for code in leaf_codes():
        assert json_of(api.get(f"{V2}/services/{code}.json")) == {"service_code": code, "attributes": []}
    root = xml_of(api.get(f"{V2}/services/sanitation.garbage.xml"))
    assert root.tag == "service_definition"
    assert [c.tag for c in root] == ["service_code", "attributes"]
    attributes = root.find("attributes")
    assert root.findtext("service_code") == "sanitation.garbage"
    assert attributes is not None and len(attributes) == 0

    for code in ("nope", "sanitation"):  # unknown, and a group rather than a service
        assert code in errors_json(api.get(f"{V2}/services/{code}.json"), 404)[0]
        assert code in errors_xml(api.get(f"{V2}/services/{code}.xml"), 404)[0]


# --- general errors ------------------------------------------------------------------------------

GET_PATHS = [
    "discovery.{fmt}",
    "services.{fmt}",
    "services/sanitation.garbage.{fmt}",
    "requests.{fmt}",
    "requests/202601010001.{fmt}",
    "tokens/8a0e3f2c-9a43-4c55-8d4c-5a0b2f7c3c11.{fmt}",
]


@pytest.mark.parametrize("path", GET_PATHS)
def test_an_unknown_jurisdiction_is_404_in_both_formats(world: CaseWorld, api: Client, path: str) -> None:
    wrong = {"jurisdiction_id": "beijing.gov.cn"}
    assert "beijing.gov.cn" in errors_json(api.get(f"{V2}/{path.format(fmt='json')}", wrong), 404)[0]
    assert "beijing.gov.cn" in errors_xml(api.get(f"{V2}/{path.format(fmt='xml')}", wrong), 404)[0]


@pytest.mark.parametrize("path", GET_PATHS)
def test_an_unknown_format_is_404_with_an_error_body(world: CaseWorld, api: Client, path: str) -> None:
    assert "html" in errors_xml(api.get(f"{V2}/{path.format(fmt='html')}"), 404)[0]
    response = api.get(f"{V2}/{path.format(fmt='csv')}", headers={"accept": "application/json"})
    assert "csv" in errors_json(response, 404)[0]


def test_unknown_resources_and_methods_get_error_bodies(world: CaseWorld, api: Client) -> None:
    errors_xml(api.get(f"{V2}/services"), 404)  # no format
    errors_xml(api.get(f"{V2}/nothing/here.json"), 404)
    errors_xml(api.delete(f"{V2}/nothing.json"), 404)
    response = api.put(f"{V2}/requests.json")
    errors_json(response, 405)
    assert response["Allow"] == "GET, POST"
    errors_xml(api.post(f"{V2}/services.xml"), 405)


# --- POST requests -------------------------------------------------------------------------------


def test_post_creates_a_case_from_the_client(world: CaseWorld, api: Client, key: str) -> None:
    response = post(
        api,
        key,
        address_id=first_building(world).code,
        first_name="小明",
        last_name="王",
        phone="13912345678",
        email="wxm@example.com",
        device_id="dev-1",
        account_id="acct-7",
        **{"attribute[WHISPAWN]": "123"},
    )
    assert response.status_code == 200, response.content
    (created,) = json_of(response)
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}
    assert created["account_id"] == "acct-7" and created["service_notice"]
    case = Case.objects.get(number=created["service_request_id"])
    assert str(case.token) == created["token"]
    assert case.source == Source.OPEN311 and case.status == CaseStatus.REPORTED
    assert case.open311_client == Open311Client.objects.get(name="12345 热线平台")
    assert case.building == first_building(world) and case.grid == world.county.grid_a1_1
    assert case.reporter_name == "王小明" and case.reporter_phone_masked == "139****5678"
    assert case.reporter is None
    assert case.open311_client is not None and case.open311_client.last_used_at is not None
    assert case.events.get().action == EventAction.REPORT


def test_post_answers_in_xml_and_places_a_point(world: CaseWorld, api: Client, key: str) -> None:
    response = post(api, key, fmt="xml", **IN_GRID)
    assert response.status_code == 200, response.content
    root = xml_of(response)
    assert root.tag == "service_requests"
    (request,) = root
    assert request.tag == "request"
    assert [c.tag for c in request] == ["service_request_id", "token", "service_notice", "account_id"]
    assert request.findtext("account_id") == ""  # <account_id/>, as in the spec
    case = Case.objects.get(number=request.findtext("service_request_id"))
    assert case.grid == world.county.grid_a1_1 and float(case.latitude or 0) == 28.905


def test_post_by_a_standard_address_string(world: CaseWorld, api: Client, key: str) -> None:
    building = first_building(world)
    response = post(api, key, address_string=building.address)
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=json_of(response)[0]["service_request_id"])
    assert case.building == building and case.address == building.address


def test_post_keeps_media_url_as_a_note_and_never_fetches_it(
    world: CaseWorld, api: Client, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("Open311 must not open network connections")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    url = "https://img.example.com/p/1234.jpg"
    response = post(api, key, media_url=url, **IN_GRID)
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=json_of(response)[0]["service_request_id"])
    note = case.events.get(action=EventAction.COMMENT)
    assert url in note.comment and not note.public
    assert case.attachments.count() == 0


def test_post_without_csrf_token_or_session_works(world: CaseWorld, key: str) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        f"{V2}/requests.json",
        {
            "api_key": key,
            "service_code": "sanitation.garbage",
            "description": "路灯不亮已经一周了",
            **IN_GRID,
        },
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("use_key", "status", "text"),
    [(None, 403, "api_key"), ("wrong-key", 403, "api_key"), ("inactive", 403, "api_key")],
)
def test_post_needs_a_valid_active_key(
    world: CaseWorld, api: Client, key: str, use_key: str | None, status: int, text: str
) -> None:
    if use_key == "inactive":
        Open311Client.objects.update(active=False)
        use_key = key
    for fmt, read in (("json", errors_json), ("xml", errors_xml)):
        assert text in read(post(api, use_key, fmt=fmt, **IN_GRID), status)[0]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "nope"}, 404, "nope"),
        ({"service_code": "sanitation"}, 404, "sanitation"),
        ({"jurisdiction_id": "sf.gov"}, 404, "sf.gov"),
        ({}, 400, "location is required"),
        ({"lat": "abc", "long": "119.805"}, 400, "lat"),
        ({"lat": "28.905"}, 400, "lat"),
        ({"lat": "NaN", "long": "Infinity"}, 400, "lat"),
        ({"lat": "95", "long": "119.805"}, 400, "lat"),
        ({"lat": "39.9", "long": "116.4"}, 400, "location"),  # Beijing: not our map
        ({"address_id": "999999999999"}, 400, "address_id"),
        ({"address_string": "火星基地 1 号"}, 400, "address_string"),
        ({**IN_GRID, "description": "坏"}, 400, "description"),
        ({**IN_GRID, "description": "长" * 4001}, 400, "description"),
        ({**IN_GRID, "phone": "12345"}, 400, "phone"),
        ({**IN_GRID, "media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({**IN_GRID, "media_url": "https://x.cn/" + "a" * 1000}, 400, "media_url"),
        ({**IN_GRID, "first_name": "名" * 70}, 400, "first_name"),
    ],
)
def test_bad_posts_get_clear_errors_and_store_nothing(
    world: CaseWorld, api: Client, key: str, params: dict[str, Any], status: int, text: str
) -> None:
    for fmt, read in (("json", errors_json), ("xml", errors_xml)):
        descriptions = read(post(api, key, fmt=fmt, **params), status)
        assert any(text in d for d in descriptions), descriptions
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_every_field_error_is_its_own_error(world: CaseWorld, api: Client, key: str) -> None:
    descriptions = errors_json(post(api, key, description="坏", phone="12345", **IN_GRID), 400)
    assert len(descriptions) == 2
    assert any(d.startswith("description:") for d in descriptions)
    assert any(d.startswith("phone:") for d in descriptions)


def test_control_characters_still_give_valid_xml(world: CaseWorld, api: Client, key: str) -> None:
    response = post(api, key, description="路灯\x01不亮\x0b已经一周", **IN_GRID)
    number = json_of(response)[0]["service_request_id"]
    services.accept_case(Case.objects.get(number=number), by=world.worker)
    root = xml_of(api.get(f"{V2}/requests/{number}.xml"))
    assert root.findtext("request/description") == "路灯不亮已经一周"


# --- round trip and GET --------------------------------------------------------------------------


def test_post_then_get_by_id_then_by_token(world: CaseWorld, api: Client, key: str) -> None:
    building = first_building(world)
    created = json_of(post(api, key, address_id=building.code, description="3号楼下污水外溢"))[0]
    number, token = created["service_request_id"], created["token"]

    (got,) = json_of(api.get(f"{V2}/requests/{number}.json", {"jurisdiction_id": JURISDICTION}))
    assert list(got) == REQUEST_FIELDS
    assert got["service_request_id"] == number and got["status"] == "open"
    assert got["service_code"] == "sanitation.garbage" and got["service_name"] == "垃圾堆放"
    # Not accepted yet: its reporter follows the status, but nothing they wrote is published.
    assert got["description"] is None and got["address_id"] is None and got["address"] is None
    case = Case.objects.get(number=number)
    services.accept_case(case, by=world.worker)
    (got,) = json_of(api.get(f"{V2}/requests/{number}.json", {"jurisdiction_id": JURISDICTION}))
    assert got["description"] == "3号楼下污水外溢" and got["address_id"] == building.code
    assert got["address"] == building.address and got["zipcode"] is None
    case.refresh_from_db()
    assert got["requested_datetime"] == timezone.localtime(case.reported_at).isoformat(timespec="seconds")
    assert got["requested_datetime"].endswith("+08:00")
    assert got["expected_datetime"] == timezone.localtime(case.due_at).isoformat(timespec="seconds")
    assert got["status_notes"] and got["service_notice"] and got["agency_responsible"] is None
    assert got["media_url"] is None

    root = xml_of(api.get(f"{V2}/requests/{number}.xml"))
    assert root.tag == "service_requests"
    assert [c.tag for c in root[0]] == REQUEST_FIELDS and root[0].tag == "request"

    assert json_of(api.get(f"{V2}/tokens/{token}.json")) == [{"service_request_id": number, "token": token}]
    token_root = xml_of(api.get(f"{V2}/tokens/{token}.xml"))
    assert [c.tag for c in token_root[0]] == ["service_request_id", "token"]
    assert token_root.findtext("request/service_request_id") == number


def test_unknown_requests_and_tokens_are_404(world: CaseWorld, api: Client) -> None:
    errors_json(api.get(f"{V2}/requests/202601019999.json"), 404)
    errors_xml(api.get(f"{V2}/requests/202601019999.xml"), 404)
    errors_json(api.get(f"{V2}/tokens/not-a-uuid.json"), 404)
    errors_xml(api.get(f"{V2}/tokens/8a0e3f2c-9a43-4c55-8d4c-5a0b2f7c3c11.xml"), 404)


def _status_of(api: Client, case: Case) -> dict[str, Any]:
    return json_of(api.get(f"{V2}/requests/{case.number}.json"))[0]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (CaseStatus.REPORTED, "open"),
        (CaseStatus.ACCEPTED, "open"),
        (CaseStatus.DISPATCHED, "open"),
        (CaseStatus.HANDLING, "open"),
        (CaseStatus.REPLIED, "open"),
        (CaseStatus.TO_EVALUATE, "closed"),
        (CaseStatus.CLOSED, "closed"),
    ],
)
def test_status_follows_the_loop(world: CaseWorld, api: Client, status: str, expected: str) -> None:
    case = advance(world, report(world), status)
    got = _status_of(api, case)
    assert got["status"] == expected
    assert got["status_notes"] == case.status_notes and got["service_notice"] == case.get_status_display()
    if status not in (CaseStatus.REPORTED, CaseStatus.ACCEPTED):
        assert got["agency_responsible"] == world.property_unit.name
    if expected == "open":
        assert got["expected_datetime"] == timezone.localtime(case.due_at).isoformat(timespec="seconds")
    else:
        assert got["expected_datetime"] is None
        finished = case.closed_at or case.resolved_at
        assert got["updated_datetime"] == timezone.localtime(finished).isoformat(timespec="seconds")


def test_refused_merged_and_suspended_cases(world: CaseWorld, api: Client) -> None:
    refused = services.refuse_case(report(world), by=world.worker, reason="不属于社区受理范围")
    assert _status_of(api, refused)["status"] == "closed"
    assert _status_of(api, refused)["status_notes"] == "不属于社区受理范围"

    kept = report(world)
    merged = services.merge_case(report(world), into=kept, by=world.worker)
    assert _status_of(api, merged)["status"] == "closed"
    assert kept.number in _status_of(api, merged)["status_notes"]

    suspended = services.suspend_case(
        advance(world, report(world), CaseStatus.DISPATCHED), by=world.worker, reason="等待雨停"
    )
    got = _status_of(api, suspended)
    assert got["status"] == "open" and got["expected_datetime"] is None


# --- GET requests: filters -----------------------------------------------------------------------


def _numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in json_of(response)]


def test_filters_by_id_service_status_and_date(world: CaseWorld, api: Client) -> None:
    now = timezone.now()
    sewage = CaseCategory.objects.get(code="sanitation.sewage")
    a = advance(world, report(world), CaseStatus.ACCEPTED)
    b = advance(world, report(world, category=sewage), CaseStatus.ACCEPTED)
    c = advance(world, report(world), CaseStatus.CLOSED)
    old = advance(world, report(world, reported_at=now - dt.timedelta(days=100)), CaseStatus.ACCEPTED)
    lists = f"{V2}/requests.json"

    # Newest first; the default range is the last 90 days.
    assert _numbers(api.get(lists)) == [c.number, b.number, a.number]
    assert _numbers(api.get(lists, {"service_code": "sanitation.sewage"})) == [b.number]
    assert set(_numbers(api.get(lists, {"service_code": "sanitation.sewage,sanitation.garbage"}))) == {
        a.number,
        b.number,
        c.number,
    }
    assert _numbers(api.get(lists, {"status": "closed"})) == [c.number]
    assert _numbers(api.get(lists, {"status": "open"})) == [b.number, a.number]
    assert len(_numbers(api.get(lists, {"status": "open,closed"}))) == 3
    # service_request_id overrides every other argument, old cases included.
    ids = f"{a.number},{old.number},202601019999"
    assert set(_numbers(api.get(lists, {"service_request_id": ids, "status": "closed"}))) == {
        a.number,
        old.number,
    }
    start = (now - dt.timedelta(days=120)).isoformat()
    end = (now - dt.timedelta(days=95)).isoformat()
    assert _numbers(api.get(lists, {"start_date": start, "end_date": end})) == [old.number]
    assert _numbers(api.get(lists, {"start_date": start})) == [old.number]  # 90 days from start
    assert _numbers(api.get(lists, {"end_date": end})) == [old.number]  # 90 days before end
    utc = (now - dt.timedelta(days=1)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(_numbers(api.get(lists, {"start_date": utc}))) == 3

    root = xml_of(api.get(f"{V2}/requests.xml", {"status": "closed"}))
    assert root.tag == "service_requests" and [r.findtext("service_request_id") for r in root] == [c.number]


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-45T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "before"),
        ({"start_date": "2025-01-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "90"),
        ({"status": "pending"}, "pending"),
    ],
)
def test_bad_filters_are_400(world: CaseWorld, api: Client, params: dict[str, str], text: str) -> None:
    assert text in errors_json(api.get(f"{V2}/requests.json", params), 400)[0]
    assert text in errors_xml(api.get(f"{V2}/requests.xml", params), 400)[0]


def test_at_most_the_spec_limit_is_returned(
    world: CaseWorld, api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_requests, "MAX_REQUESTS", 2)
    from shequ.cases.open311 import views

    monkeypatch.setattr(views, "MAX_REQUESTS", 2)
    newest = [advance(world, report(world), CaseStatus.ACCEPTED).number for _ in range(3)][::-1]
    assert _numbers(api.get(f"{V2}/requests.json")) == newest[:2]


def test_list_query_count_does_not_grow(
    world: CaseWorld, api: Client, django_assert_max_num_queries: Any
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            services.accept_case(report(world, photo_files=[photo()]), by=world.worker)

    add(5)
    with django_assert_max_num_queries(3):
        assert len(_numbers(api.get(f"{V2}/requests.json"))) == 5
    add(35)
    with django_assert_max_num_queries(3):
        assert len(_numbers(api.get(f"{V2}/requests.json"))) == 40
    with django_assert_max_num_queries(3):
        assert len(xml_of(api.get(f"{V2}/requests.xml"))) == 40


def test_cases_of_staff_only_categories_are_not_published(world: CaseWorld, api: Client) -> None:
    case = report(world)
    CaseCategory.objects.filter(pk=case.category_id).update(public=False)
    assert _numbers(api.get(f"{V2}/requests.json")) == []
    errors_json(api.get(f"{V2}/requests/{case.number}.json"), 404)


def test_the_public_list_shows_only_accepted_cases_in_published_categories(
    world: CaseWorld, api: Client
) -> None:
    """The probe read waiting cases and family disputes with their addresses (docs/security.md)."""
    waiting = report(world, description="楼道堆放杂物，160号")
    accepted = advance(world, report(world), CaseStatus.ACCEPTED)
    refused = services.refuse_case(report(world), by=world.worker, reason="重复")
    family = CaseCategory.objects.get(code="dispute.family")
    help_ = CaseCategory.objects.get(code="livelihood.help")
    dispute = advance(
        world, report(world, category=family, description="家庭纠纷，三单元502室"), CaseStatus.ACCEPTED
    )
    lonely = advance(
        world, report(world, category=help_, description="160号独居老人三天没出门了"), CaseStatus.ACCEPTED
    )
    listed = _numbers(api.get(f"{V2}/requests.json"))
    assert listed == [accepted.number]
    body = api.get(f"{V2}/requests.xml").content.decode()
    for case in (waiting, refused, dispute, lonely):
        assert case.number not in body
    # By number, a sensitive case gives its status and nothing its reporter wrote.
    got = _status_of(api, lonely)
    assert got["status"] == "open" and got["description"] is None and got["address"] is None
    assert got["lat"] is None and "独居" not in json.dumps(got, ensure_ascii=False)


def test_sensitive_default_categories_are_never_published() -> None:
    published = set(CaseCategory.objects.filter(published=True).values_list("code", flat=True))
    assert "sanitation.garbage" in published and "municipal.streetlight" in published
    assert not {c for c in published if c.split(".")[0] in {"dispute", "livelihood", "security", "other"}}
    assert CaseCategory._meta.get_field("published").default is False


def test_the_published_place_is_the_building_or_the_road_never_the_flat(
    world: CaseWorld, api: Client
) -> None:
    building = first_building(world)
    at_building = advance(world, report(world, address="3单元502室"), CaseStatus.ACCEPTED)
    got = _status_of(api, at_building)
    assert got["address"] == building.address and "502" not in json.dumps(got, ensure_ascii=False)
    point = advance(
        world,
        report(world, building=None, address="5幢2单元301室", latitude="28.905123", longitude="119.805987"),
        CaseStatus.ACCEPTED,
    )
    got = _status_of(api, point)
    assert got["address"] is None and (got["lat"], got["long"]) == (28.905, 119.806)


@pytest.mark.parametrize(
    "spelling",
    [
        "13812345678",
        "138-1234-5678",
        "138 1234 5678",
        "8613812345678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
    ],
)
def test_every_spelling_of_a_mobile_number_is_masked(world: CaseWorld, api: Client, spelling: str) -> None:
    case = advance(world, report(world, description=f"请联系 {spelling} 王先生"), CaseStatus.ACCEPTED)
    text = api.get(f"{V2}/requests/{case.number}.json").content.decode()
    assert "138****5678" in text and "1234" not in text


@pytest.mark.parametrize("spelling", ["330723199001011237", "330723 19900101 1237", "330723-19900101-1237"])
def test_every_spelling_of_an_id_number_is_masked(world: CaseWorld, api: Client, spelling: str) -> None:
    case = advance(world, report(world, description=f"身份证 {spelling} 遗失"), CaseStatus.ACCEPTED)
    text = api.get(f"{V2}/requests/{case.number}.json").content.decode()
    assert "330723********1237" in text and "19900101" not in text


# --- personal data and photos --------------------------------------------------------------------


def test_no_personal_data_in_what_anyone_can_read(world: CaseWorld, api: Client, key: str) -> None:
    id_number = "33072319800101123X"
    description = f"家门口垃圾，联系 13912345678，身份证 {id_number}"
    created = json_of(
        post(
            api,
            key,
            description=description,
            first_name="小明",
            last_name="王",
            phone="13987654321",
            email="wxm@example.com",
            **IN_GRID,
        )
    )[0]
    report(world, reporter_name="李大爷", reporter_phone="13700001111")
    services.accept_case(Case.objects.get(number=created["service_request_id"]), by=world.worker)
    services.comment_case(
        Case.objects.get(number=created["service_request_id"]),
        by=world.worker,
        note="已联系 13912345678",
        public=True,
    )
    bodies = [
        api.get(f"{V2}/requests.json").content,
        api.get(f"{V2}/requests.xml").content,
        api.get(f"{V2}/requests/{created['service_request_id']}.json").content,
        api.get(f"{V2}/requests/{created['service_request_id']}.xml").content,
        api.get(f"{V2}/tokens/{created['token']}.json").content,
    ]
    for raw in bodies:
        text = raw.decode()
        for secret in ("13987654321", "13912345678", "13700001111", id_number, "王小明", "李大爷", "wxm@"):
            assert secret not in text
        assert "reporter" not in text and "phone" not in text
    got = json_of(api.get(f"{V2}/requests/{created['service_request_id']}.json"))[0]
    assert "139****5678" in got["description"] and "330723********123X" in got["description"]
    assert got["status_notes"] == "已联系 139****5678"


def test_a_report_photo_is_published_once_accepted_through_a_signed_url(
    world: CaseWorld, api: Client
) -> None:
    case = report(world, photo_files=[photo()])
    assert _status_of(api, case)["media_url"] is None  # nobody has looked at it yet
    services.accept_case(case, by=world.worker)
    url = _status_of(api, case)["media_url"]
    assert url.startswith("http://testserver/open311/v2/media/") and url.endswith(".jpg")
    path = url.removeprefix("http://testserver")
    response = api.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    stored = case.attachments.get()
    with stored.file.open("rb") as f:
        assert b"".join(response.streaming_content) == f.read()
    in_xml = xml_of(api.get(f"{V2}/requests/{case.number}.xml")).findtext("request/media_url")
    assert in_xml.split(":")[:2] == url.split(":")[:2]  # the same photo (signed at its own second)

    signed = path.removeprefix("/open311/v2/media/").removesuffix(".jpg")
    pk, stamp, signature = signed.split(":")
    errors_xml(api.get(f"/open311/v2/media/{int(pk) + 1}:{stamp}:{signature}.jpg"), 404)  # forged
    errors_xml(api.get(f"/open311/v2/media/{pk}.jpg"), 404)  # unsigned
    errors_xml(api.get(f"/open311/v2/media/{signed}.png"), 404)
    errors_xml(api.post(path), 405)


def test_a_signed_photo_url_expires(world: CaseWorld, api: Client, settings: Any) -> None:
    settings.SHEQU_SIGNED_URL_MAX_AGE = 600
    case = report(world, photo_files=[photo()])
    services.accept_case(case, by=world.worker)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        path = _status_of(api, case)["media_url"].removeprefix("http://testserver")
        traveller.shift(dt.timedelta(seconds=590))
        assert api.get(path).status_code == 200
        traveller.shift(dt.timedelta(seconds=20))
        errors_xml(api.get(path), 404)
        # A fresh list signs afresh.
        assert (
            api.get(_status_of(api, case)["media_url"].removeprefix("http://testserver")).status_code == 200
        )


def test_photos_of_refused_cases_are_never_served(world: CaseWorld, api: Client) -> None:
    case = report(world, photo_files=[photo()])
    services.accept_case(case, by=world.worker)
    path = _status_of(api, case)["media_url"].removeprefix("http://testserver")
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.REFUSED)
    errors_xml(api.get(path), 404)
    assert _status_of(api, case)["media_url"] is None


# --- create_open311_key --------------------------------------------------------------------------


def test_create_open311_key_prints_a_working_key_last(world: CaseWorld, api: Client) -> None:
    out = io.StringIO()
    call_command("create_open311_key", "街道随手拍", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert "not be shown again" in lines[-2]
    key = lines[-1]
    client = Open311Client.objects.get(name="街道随手拍")
    assert key.startswith(client.key_prefix) and key not in client.key_digest
    assert AuditEvent.objects.filter(action="open311_client:create").exists()
    response = post(api, key, **IN_GRID)
    assert response.status_code == 200, response.content
    assert Case.objects.get().open311_client == client


def test_create_open311_key_refuses_a_name_taken(world: CaseWorld) -> None:
    call_command("create_open311_key", "街道随手拍", stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"\[duplicate\]"):
        call_command("create_open311_key", "街道随手拍", stdout=io.StringIO())
    assert Open311Client.objects.count() == 1
