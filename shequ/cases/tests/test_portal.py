"""The resident portal through the Django test client: reporting (by building, by map point, bad
input, the rate limit), following a case with its number and phone, evaluating, what a resident
may and may not see, and the photo view's session check."""

from __future__ import annotations

import gc
import io
import re
import resource
import struct
import zlib
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from shequ.cases import photos, services
from shequ.cases.models import (
    Case,
    CaseAttachment,
    CaseCategory,
    CaseStatus,
    Level,
    Satisfaction,
    Source,
)
from shequ.cases.portal.throttle import Rate, parse_rate
from shequ.cases.testing import CaseWorld, advance, build_case_world, first_building, photo, report
from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.places.models import Road
from shequ.registry import services as registry
from shequ.registry.models import Building
from shequ.testing import PASSWORD

PHONE = "13912345678"
MASKED = "139****5678"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Rate-limit counters live in the cache, which outlives a test's rolled-back transaction."""
    cache.clear()


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


def report_data(world: CaseWorld, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": world.category.pk,
        "description": "楼下垃圾堆放三天无人清运，有异味",
        "building": first_building(world).pk,
        "address": "东门旁边",
        "name": "王女士",
        "phone": PHONE,
        "photos": [photo()],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def client() -> Client:
    """The messages are asserted by their English msgids; the Chinese page is checked in the browser test."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def post_report(client: Client, world: CaseWorld, **overrides: Any) -> Any:
    return client.post(reverse("portal:report"), report_data(world, **overrides))


def resident_case(world: CaseWorld, **overrides: Any) -> Case:
    """A case a resident reported on the portal, with a photo."""
    fields: dict[str, Any] = {
        "by": System("portal"),
        "source": Source.PORTAL,
        "reporter_phone": PHONE,
        "photo_files": [photo()],
    }
    fields.update(overrides)
    return report(world, **fields)


def look_up(client: Client, number: str, phone: str = PHONE) -> Any:
    return client.post(reverse("portal:follow"), {"number": number, "phone": phone})


def test_numbers_in_a_description_are_masked_on_the_portal_and_the_case_pages(
    client: Client, world: CaseWorld
) -> None:
    text = "请联系 138 1234 5678 或 +86 139-8765-4321，身份证 330723 19900101 1237"
    case = resident_case(world, description=text)
    services.comment_case(case, by=world.worker, note="已联系 8613812345678", public=True)
    look_up(client, case.number)
    staff = Client()
    staff.force_login(world.worker)
    for page in (
        client.get(reverse("portal:case", args=[case.number])).content.decode(),
        staff.get(reverse("cases:detail", args=[case.pk])).content.decode(),
    ):
        assert "138****5678" in page and "139****4321" in page and "330723********1237" in page
        for secret in ("1234 5678", "139-8765", "19900101", "8613812345678"):
            assert secret not in page


# --- home and the report form --------------------------------------------------------------------


def test_home_offers_report_and_follow_and_lists_public_categories(client: Client, world: CaseWorld) -> None:
    hidden = CaseCategory.objects.get(code="security.suspicious")
    hidden.public = False
    hidden.save()
    response = client.get(reverse("portal:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("portal:report") in html and reverse("portal:follow") in html
    assert "Dumped rubbish" in html and "Sanitation" in html  # English names on an English page
    # Groups in the configured order, whichever way the database sorts a missing parent.
    heads = [
        html.index(f"<h3>{name}</h3>") for name in ("Disputes", "Sanitation", "Illegal construction", "Other")
    ]
    assert heads == sorted(heads)
    assert hidden.name_en not in html
    assert "sidebar" not in html  # its own light layout, not the staff one


def test_report_form_groups_leaf_categories_under_their_parent(client: Client, world: CaseWorld) -> None:
    html = client.get(reverse("portal:report")).content.decode()
    assert '<optgroup label="Sanitation">' in html
    garbage = f'<option value="{world.category.pk}">Dumped rubbish</option>'
    assert garbage in html
    parent = CaseCategory.objects.get(code="sanitation")
    assert f'<option value="{parent.pk}"' not in html  # only specific problems can be chosen
    assert 'capture="environment"' in html and 'accept="image/*"' in html and "multiple" in html


# --- reporting -----------------------------------------------------------------------------------


def test_resident_reports_at_a_building_with_a_photo(client: Client, world: CaseWorld) -> None:
    response = post_report(client, world)
    assert response.status_code == 302 and response.url == reverse("portal:report_done")
    case = Case.objects.get()
    building = first_building(world)
    assert case.source == Source.PORTAL and case.status == CaseStatus.REPORTED
    assert case.building == building and case.grid == world.county.grid_a1_1
    assert case.community == world.county.community_a1
    assert case.reporter is None and case.reporter_name == "王女士"
    assert case.reporter_phone_masked == MASKED and case.address == "东门旁边"
    assert [a.kind for a in case.attachments.all()] == ["report"]

    done = client.get(response.url)
    html = done.content.decode()
    assert case.number in html
    follow_url = reverse("portal:case", args=[case.number])
    assert follow_url in html and PHONE not in html
    # The same browser follows the case at once, without typing the phone again.
    page = client.get(follow_url)
    assert page.status_code == 200 and case.number in page.content.decode()


def _huge_png(width: int, height: int) -> bytes:
    """A black RGB PNG of width × height pixels, a few hundred KB on the wire, written row by row
    so the test itself never holds the decoded picture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer, row, parts = zlib.compressobj(9), b"\0" * (1 + 3 * width), []
    for _ in range(height):
        parts.append(packer.compress(row))
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")
    )


def test_an_anonymous_photo_of_too_many_pixels_is_refused_before_it_is_decoded(
    world: CaseWorld,
) -> None:
    """A 656 KB PNG of 13,000 × 13,000 took the server from 360 MB to 1,869 MB (docs/security.md)."""
    bomb = SimpleUploadedFile("big.png", _huge_png(13_000, 13_000), content_type="image/png")
    assert bomb.size < 2 * 1024 * 1024
    client = Client()  # Chinese, as a resident sees it
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    response = client.post(reverse("portal:report"), report_data(world, photos=[bomb]))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert response.status_code == 200
    assert "像素过多" in response.content.decode(), re.findall(r"p-errors.{0,300}", response.content.decode())
    assert not Case.objects.exists()
    assert grown_mb < 200, f"peak memory grew by {grown_mb:.0f} MB"


def test_a_photo_just_past_the_pixel_limit_is_refused_by_its_header(settings: Any) -> None:
    settings.SHEQU_CASE_PHOTO_MAX_PIXELS = 1_000_000  # Pillow itself would only warn below 2×
    wide = SimpleUploadedFile("wide.png", _huge_png(1500, 1000), content_type="image/png")
    with pytest.raises(RuleError) as info:
        photos.prepare([wide])
    assert info.value.code == "invalid_photo" and "1" in str(info.value.message)
    assert photos.prepare([photo(size=(1000, 1000))])  # at the limit is fine


def test_a_large_jpeg_is_decoded_in_draft_mode_and_shrunk() -> None:
    [shrunk] = photos.prepare([photo("big.jpg", size=(6000, 4000))])
    with Image.open(io.BytesIO(shrunk.content)) as image:
        assert max(image.size) <= photos.MAX_SIDE and image.format == "JPEG"


def test_the_portal_case_page_is_never_stored_but_the_public_pages_may_be(
    client: Client, world: CaseWorld
) -> None:
    post_report(client, world)
    case = Case.objects.get()
    page = client.get(reverse("portal:case", args=[case.number]))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "no-store" not in client.get(reverse("portal:home")).get("Cache-Control", "")


def test_resident_reports_a_point_tapped_on_the_map(client: Client, world: CaseWorld) -> None:
    response = post_report(client, world, building="", latitude="28.905000", longitude="119.815000")
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.building is None and case.grid == world.county.grid_a1_2
    assert float(case.latitude) == 28.905 and float(case.longitude) == 119.815
    assert case.community == world.county.community_a1


def test_a_building_chosen_after_a_point_wins(client: Client, world: CaseWorld) -> None:
    post_report(client, world, latitude="28.925", longitude="119.805")  # a point in 溪南 (b1)
    case = Case.objects.get()
    assert case.building == first_building(world) and case.community == world.county.community_a1
    assert case.latitude is None  # the tapped point was dropped with the choice of a building


def test_success_page_needs_the_session_that_reported(client: Client, world: CaseWorld) -> None:
    response = client.get(reverse("portal:report_done"))
    assert response.status_code == 302 and response.url == reverse("portal:home")


def not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"this is not a picture at all", content_type="image/jpeg")


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"phone": ""}, "field-phone", "Leave a phone number so you can follow the case."),
        ({"phone": "12345"}, "field-phone", "Not a valid phone number."),
        ({"photos": [not_an_image()]}, "field-photos", "photo.jpg is not a photo that can be opened."),
        ({"category": "999999"}, "field-category", "Choose one of the problems in the list."),
        ({"category": "abc"}, "field-category", "Choose one of the problems in the list."),
        (
            {"building": "", "latitude": "28.95", "longitude": "119.95"},
            "location-errors",
            "Choose a building or a point on the map inside the area we serve.",
        ),
        (
            {"building": ""},
            "location-errors",
            "Choose a building or a point on the map inside the area we serve.",
        ),
        ({"building": "999999"}, "location-errors", "Choose the address again from the list."),
        ({"latitude": "x", "longitude": "1", "building": ""}, "location-errors", "Not a number."),
        ({"description": "脏"}, "field-description", "Describe the problem in at least 5 characters."),
    ],
)
def test_bad_report_comes_back_with_the_message_next_to_the_field_and_stores_nothing(
    client: Client, world: CaseWorld, overrides: dict[str, Any], field_id: str, message: str
) -> None:
    response = post_report(client, world, **overrides)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index(f'id="{field_id}"')
    assert message in html[start : start + 3000]
    assert "Please correct the marked fields." in html
    assert Case.objects.count() == 0 and CaseAttachment.objects.count() == 0
    # What was typed is kept; the photos have to be chosen again, and the page says so.
    assert "东门旁边" in html and "王女士" in html
    assert "Photos are not kept when the form comes back" in html


def test_non_public_category_cannot_be_reported(client: Client, world: CaseWorld) -> None:
    world.category.public = False
    world.category.save()
    response = post_report(client, world)
    assert response.status_code == 200
    assert "Choose one of the problems in the list." in response.content.decode()
    assert Case.objects.count() == 0


def test_reports_are_limited_per_client_ip(client: Client, world: CaseWorld, settings: Any) -> None:
    settings.SHEQU_PORTAL_REPORT_RATE = "2/hour"
    assert post_report(client, world).status_code == 302
    assert post_report(client, world, photos=None).status_code == 302
    third = post_report(client, world)
    assert third.status_code == 429
    assert "Too many reports were sent from this network" in third.content.decode()
    assert "Try again in about 60 minutes." in third.content.decode()
    assert Case.objects.count() == 2
    # Another address is not held back by this one, and failed reports do not count.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert post_report(other, world, phone="").status_code == 200
    assert post_report(other, world).status_code == 302
    assert Case.objects.count() == 3


def test_behind_a_proxy_the_client_address_comes_from_the_last_forwarded_hop(
    world: CaseWorld, settings: Any
) -> None:
    settings.SHEQU_PORTAL_REPORT_RATE = "1/hour"
    settings.SHEQU_NUM_PROXIES = 1
    alice = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    bob = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert post_report(alice, world, photos=None).status_code == 302
    assert post_report(bob, world, photos=None).status_code == 302  # same proxy, another resident
    # Alice cannot escape her limit by writing her own X-Forwarded-For: the proxy appends the real one.
    forged = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 1.2.3.4")
    assert post_report(forged, world, photos=None).status_code == 429
    assert Case.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/hour", Rate(10, 3600)),
        ("10/h", Rate(10, 3600)),
        ("5/min", Rate(5, 60)),
        ("10/15min", Rate(10, 900)),
        ("3/30s", Rate(3, 30)),
        (" 100 / day ", Rate(100, 86400)),
    ],
)
def test_rates_are_read_like_drf_throttle_rates(text: str, rate: Rate) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "10", "ten/hour", "10/week", "0/hour", "10/0min"])
def test_a_malformed_rate_is_a_configuration_error(text: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_rate(text)


# --- address search and the map ------------------------------------------------------------------


def test_address_search_shows_addresses_only_at_most_ten(client: Client, world: CaseWorld) -> None:
    county = world.county
    for n in range(2, 14):
        registry.create_building(
            community=county.community_a1,
            grid=county.grid_a1_1,
            micro_grid=None,
            name=f"{n}幢",
            estate="溪南小区",
            address=f"武义县溪南小区{n}幢",
            floors=6,
            units=2,
            by=System("test"),
        )
    url = reverse("portal:buildings")
    short = client.get(url, {"building_query": "溪"}).content.decode()
    assert "Type at least 2 characters." in short and "武义县" not in short
    html = client.get(url, {"building_query": "溪南"}).content.decode()
    assert html.count('class="p-result"') == 10
    assert "武义县溪南小区1幢" in html
    assert "张伟" not in html and "13800000001" not in html  # the resident living there
    assert "type more of the address" in html
    none = client.get(url, {"building_query": "不存在的地址"}).content.decode()
    assert "No address found." in none


def test_map_data_has_community_and_grid_outlines_for_anyone(client: Client, world: CaseWorld) -> None:
    data = client.get(reverse("portal:map")).json()
    communities = {f["properties"]["name"] for f in data["communities"]["features"]}
    grids = {f["properties"]["name"] for f in data["grids"]["features"]}
    assert communities == {"熟溪社区", "解放社区", "溪南社区"}
    assert "熟溪第一网格" in grids and len(grids) == 4
    assert data["grids"]["features"][0]["geometry"]["type"] == "Polygon"


def test_map_base_names_buildings_for_anyone_but_nobody_who_lives_there(
    client: Client, world: CaseWorld
) -> None:
    building = world.county.buildings["a11"]
    Building.objects.filter(pk=building.pk).update(latitude=28.9025, longitude=119.8025)
    community = world.county.community_a1
    line = {"type": "LineString", "coordinates": [[119.81, 28.90], [119.81, 28.92]]}
    Road.objects.create(community=community, area_path=community.path, name="熟溪路", line=line)
    Road.objects.create(
        community=world.county.community_a2,
        area_path=world.county.community_a2.path,
        name="熟溪路",
        line=line,
    )
    response = client.get(reverse("portal:map_base"))
    assert response["Cache-Control"] == "public, max-age=300"
    data = response.json()
    (feature,) = data["buildings"]["features"]  # only buildings with a position are drawn
    assert feature["properties"] == {"name": "1幢", "estate": "溪南小区"}  # no link into the staff pages
    assert feature["geometry"]["coordinates"] == [119.8025, 28.9025]
    body = response.content.decode()
    assert "张伟" not in body and "13800000001" not in body
    # A street between two communities is stored for each and drawn once.
    assert [f["properties"]["name"] for f in data["roads"]["features"]] == ["熟溪路"]
    assert {
        f["properties"]["name"] for f in data["areas"]["features"] if f["properties"]["kind"] == "community"
    } == {
        "熟溪社区",
        "解放社区",
        "溪南社区",
    }


# --- following a case ----------------------------------------------------------------------------


def test_follow_with_the_right_phone_shows_the_case(client: Client, world: CaseWorld) -> None:
    case = resident_case(world)
    response = look_up(client, case.number, "+86 139-1234-5678")
    assert response.status_code == 302 and response.url == reverse("portal:case", args=[case.number])
    html = client.get(response.url).content.decode()
    assert "Received. The community will look at it soon." in html
    assert case.description in html and MASKED in html
    assert 'class="p-step-done"' in html and 'class="p-step-current"' in html


@pytest.mark.parametrize("wrong", ["number", "phone"])
def test_follow_with_a_wrong_number_or_phone_gets_one_generic_message(
    client: Client, world: CaseWorld, wrong: str
) -> None:
    case = resident_case(world)
    number = "209901010001" if wrong == "number" else case.number
    phone = "13700000000" if wrong == "phone" else PHONE
    response = look_up(client, number, phone)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No case matches this number and phone." in html
    assert case.description not in html
    assert client.get(reverse("portal:case", args=[case.number])).status_code == 302


def test_the_case_page_needs_a_lookup_in_this_session(client: Client, world: CaseWorld) -> None:
    case = resident_case(world)
    response = client.get(reverse("portal:case", args=[case.number]))
    assert response.status_code == 302
    assert response.url == f"{reverse('portal:follow')}?number={case.number}"
    follow = client.get(response.url).content.decode()
    assert case.number in follow and case.description not in follow


def test_failed_lookups_are_throttled_per_ip_and_session(
    client: Client, world: CaseWorld, settings: Any
) -> None:
    settings.SHEQU_PORTAL_LOOKUP_RATE = "3/15min"
    case = resident_case(world)
    for n in range(3):
        assert look_up(client, case.number, f"1370000000{n}").status_code == 200
    blocked = look_up(client, case.number)  # even the right pair, once the limit is reached
    assert blocked.status_code == 429
    assert "Too many wrong case numbers or phones were tried." in blocked.content.decode()
    assert "Try again in about 15 minutes." in blocked.content.decode()
    # A fresh session from the same address is still held back; another address is not.
    assert look_up(Client(), case.number).status_code == 429
    assert look_up(Client(REMOTE_ADDR="10.0.0.7"), case.number).status_code == 302


def test_successful_lookups_do_not_count(client: Client, world: CaseWorld, settings: Any) -> None:
    settings.SHEQU_PORTAL_LOOKUP_RATE = "2/15min"
    case = resident_case(world)
    for _ in range(5):
        assert look_up(client, case.number).status_code == 302


# --- what a resident may see ---------------------------------------------------------------------


def test_case_page_shows_public_steps_but_no_staff_names_internal_notes_or_full_phone(
    client: Client, world: CaseWorld
) -> None:
    case = resident_case(world)
    services.comment_case(case, by=world.worker, note="内部备注：报案人是老上访户")
    case = advance(world, case, CaseStatus.DISPATCHED)
    services.return_case(case, by=world.handler, reason="不归我们管，退回")
    services.dispatch_case(case, by=world.worker, unit=world.property_unit, note="请尽快处理")
    services.supervise_case(case, by=world.street_admin, note="督办：今天必须办结")
    case = advance(world, Case.objects.get(pk=case.pk), CaseStatus.REPLIED)
    look_up(client, case.number)
    html = client.get(reverse("portal:case", args=[case.number])).content.decode()
    assert "熟溪物业服务中心" in html  # the unit, not a person
    assert "请尽快处理" in html and "已清运" in html  # public notes
    for secret in ("内部备注", "不归我们管", "督办：今天必须办结", PHONE):
        assert secret not in html
    for user in (world.worker, world.handler, world.grid_worker, world.street_admin):
        assert user.username not in html and (not user.full_name or user.full_name not in html)
    assert "System" not in html
    assert MASKED in html


def test_case_page_query_count_does_not_grow_with_the_file(
    client: Client, world: CaseWorld, django_assert_max_num_queries: Any
) -> None:
    small = resident_case(world)
    big = resident_case(world, reporter_phone="13900000002")
    for n in range(15):
        services.comment_case(big, by=world.worker, note=f"进展{n}", public=True)
    look_up(client, small.number)
    look_up(client, big.number, "13900000002")
    with django_assert_max_num_queries(12) as small_queries:
        client.get(reverse("portal:case", args=[small.number]))
    with django_assert_max_num_queries(len(small_queries)):
        html = client.get(reverse("portal:case", args=[big.number])).content.decode()
    assert "进展14" in html


def test_merged_case_points_to_the_case_that_goes_on(client: Client, world: CaseWorld) -> None:
    first = resident_case(world, reporter_phone="13900000001")
    second = resident_case(world)
    services.merge_case(second, into=first, by=world.worker)
    look_up(client, second.number)
    html = client.get(reverse("portal:case", args=[second.number])).content.decode()
    assert first.number in html
    assert "13900000001" not in html and "139****0001" not in html


# --- photos --------------------------------------------------------------------------------------


def test_photo_view_serves_the_session_that_looked_the_case_up_only(client: Client, world: CaseWorld) -> None:
    case = resident_case(world)
    attachment = case.attachments.get()
    url = reverse("portal:photo", args=[case.number, attachment.pk])
    assert client.get(url).status_code == 404  # not looked up in this session yet
    look_up(client, case.number)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    # Another browser, even one that looked up its own case, gets nothing.
    other_case = resident_case(world, reporter_phone="13900000002")
    other = Client()
    look_up(other, other_case.number, "13900000002")
    assert other.get(url).status_code == 404
    mixed = reverse("portal:photo", args=[other_case.number, attachment.pk])
    assert other.get(mixed).status_code == 404


def test_proof_photos_show_but_internal_co_handling_photos_do_not(client: Client, world: CaseWorld) -> None:
    case = resident_case(world)
    case = advance(world, case, CaseStatus.DISPATCHED)
    case.co_units.add(world.department)
    services.assist_case(case, by=world.dept_handler, note="配合清理", photo_files=[photo()])
    case = advance(world, Case.objects.get(pk=case.pk), CaseStatus.REPLIED)
    look_up(client, case.number)
    html = client.get(reverse("portal:case", args=[case.number])).content.decode()
    assist = case.attachments.get(event__action="assist")
    proof = case.attachments.get(event__action="reply")
    assert reverse("portal:photo", args=[case.number, proof.pk]) in html
    assert reverse("portal:photo", args=[case.number, assist.pk]) not in html
    assert client.get(reverse("portal:photo", args=[case.number, proof.pk])).status_code == 200
    assert client.get(reverse("portal:photo", args=[case.number, assist.pk])).status_code == 404


# --- evaluation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("satisfaction", "status", "message"),
    [
        (Satisfaction.SATISFIED, CaseStatus.CLOSED, "the case is closed"),
        (Satisfaction.BASIC, CaseStatus.CLOSED, "the case is closed"),
        (
            Satisfaction.UNSATISFIED,
            CaseStatus.DISPATCHED,
            "The case is reopened and sent back to 熟溪物业服务中心",
        ),
    ],
)
def test_resident_evaluates_and_is_told_what_happens_next(
    client: Client, world: CaseWorld, satisfaction: str, status: str, message: str
) -> None:
    case = advance(world, resident_case(world), CaseStatus.TO_EVALUATE)
    look_up(client, case.number)
    page = client.get(reverse("portal:case", args=[case.number])).content.decode()
    assert 'id="evaluate-form"' in page
    response = client.post(
        reverse("portal:evaluate", args=[case.number]),
        {"satisfaction": satisfaction, "comment": "谢谢"},
        follow=True,
    )
    case.refresh_from_db()
    assert case.status == status and case.satisfaction == satisfaction
    html = response.content.decode()
    assert message in html and 'id="evaluate-form"' not in html
    assert "谢谢" in html


def test_unsatisfied_again_after_reopening_escalates(client: Client, world: CaseWorld) -> None:
    case = advance(world, resident_case(world), CaseStatus.TO_EVALUATE)
    look_up(client, case.number)
    url = reverse("portal:evaluate", args=[case.number])
    client.post(url, {"satisfaction": Satisfaction.UNSATISFIED})
    case.refresh_from_db()
    services.take_case(case, by=world.handler)
    services.reply_case(case, by=world.handler, note="再次清运", photo_files=[photo()])
    services.verify_case(case, by=world.grid_worker, passed=True)
    response = client.post(url, {"satisfaction": Satisfaction.UNSATISFIED}, follow=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.level == Level.STREET
    assert "The case is passed up to the" in response.content.decode()


def test_evaluation_needs_a_choice_and_the_session(client: Client, world: CaseWorld) -> None:
    case = advance(world, resident_case(world), CaseStatus.TO_EVALUATE)
    url = reverse("portal:evaluate", args=[case.number])
    assert client.post(url, {"satisfaction": Satisfaction.SATISFIED}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.TO_EVALUATE  # no lookup in this session: nothing happened
    look_up(client, case.number)
    response = client.post(url, {"comment": "还行"})
    assert response.status_code == 200
    assert "Choose satisfied, basically satisfied or unsatisfied." in response.content.decode()
    assert "还行" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.TO_EVALUATE


def test_evaluating_twice_says_the_case_moved_on(client: Client, world: CaseWorld) -> None:
    case = advance(world, resident_case(world), CaseStatus.TO_EVALUATE)
    look_up(client, case.number)
    url = reverse("portal:evaluate", args=[case.number])
    client.post(url, {"satisfaction": Satisfaction.SATISFIED})
    response = client.post(url, {"satisfaction": Satisfaction.UNSATISFIED}, follow=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.satisfaction == Satisfaction.SATISFIED
    assert "reload the page to see what changed" in response.content.decode()


# --- workers on the portal -----------------------------------------------------------------------


def test_logged_in_worker_gets_the_same_form_with_their_name(client: Client, world: CaseWorld) -> None:
    world.grid_worker.full_name = "陈网格"
    world.grid_worker.save()
    client.login(username=world.grid_worker.username, password=PASSWORD)
    html = client.get(reverse("portal:report")).content.decode()
    assert 'value="陈网格"' in html
    response = post_report(client, world, phone="", name="陈网格")
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.reporter == world.grid_worker and case.source == Source.PORTAL
    done = client.get(response.url).content.decode()
    assert case.number in done
    assert reverse("cases:detail", args=[case.pk]) in done  # no phone to follow it by: the staff page


def test_login_page_links_residents_to_the_portal(client: Client) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("portal:home")}"' in html


def test_logged_in_workers_are_not_rate_limited(client: Client, world: CaseWorld, settings: Any) -> None:
    settings.SHEQU_PORTAL_REPORT_RATE = "1/hour"
    client.login(username=world.grid_worker.username, password=PASSWORD)
    for _ in range(3):
        assert post_report(client, world, photos=None).status_code == 302
    assert Case.objects.count() == 3
