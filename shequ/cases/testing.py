"""Readable builders for case tests (used by every test module of this app and by other apps).

`build_case_world(county)` adds handler units and one user per part in the loop to the test county;
`report(world)` opens a case; `advance(world, case, status)` walks it along the loop.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.core.actors import System
from shequ.testing import County, make_user

from . import services
from .models import Case, CaseCategory, CaseStatus, HandlerUnit, Satisfaction, Source, UnitKind


@dataclass
class CaseWorld:
    county: County
    category: CaseCategory  # 垃圾堆放, handled by the property company by default
    property_unit: HandlerUnit  # serves community a1
    department: HandlerUnit  # a county department, serves the whole district
    other_unit: HandlerUnit  # serves community b1 only
    worker: User  # community worker in a1: the desk
    grid_worker: User  # grid a1-1: reports and verifies
    street_admin: User  # street a
    district_admin: User
    handler: User  # property company
    handler2: User  # property company, a colleague
    dept_handler: User  # county department
    outsider: User  # community worker in b1
    admin: User


def build_case_world(county: County) -> CaseWorld:
    admin = make_user(Role.ADMIN)
    property_unit = services.save_unit(
        by=System("test"),
        name="熟溪物业服务中心",
        kind=UnitKind.PROPERTY,
        area=county.community_a1,
        phone="0579-87654321",
    )
    department = services.save_unit(
        by=System("test"), name="县住建局", kind=UnitKind.DEPARTMENT, area=county.district
    )
    other_unit = services.save_unit(
        by=System("test"), name="溪南物业", kind=UnitKind.PROPERTY, area=county.community_b1
    )
    handler = make_user(Role.HANDLER, county.community_a1, username="handler_a")
    handler2 = make_user(Role.HANDLER, county.community_a1, username="handler_b")
    dept_handler = make_user(Role.HANDLER, county.district, username="handler_dept")
    services.add_unit_member(by=System("test"), unit=property_unit, user=handler, is_lead=True)
    services.add_unit_member(by=System("test"), unit=property_unit, user=handler2)
    services.add_unit_member(by=System("test"), unit=department, user=dept_handler)
    category = CaseCategory.objects.get(code="sanitation.garbage")
    category.default_unit = property_unit
    category.save()
    return CaseWorld(
        county=county,
        category=category,
        property_unit=property_unit,
        department=department,
        other_unit=other_unit,
        worker=make_user(Role.COMMUNITY_WORKER, county.community_a1),
        grid_worker=make_user(Role.GRID_WORKER, county.grid_a1_1),
        street_admin=make_user(Role.STREET_ADMIN, county.street_a),
        district_admin=make_user(Role.DISTRICT_ADMIN, county.district),
        handler=handler,
        handler2=handler2,
        dept_handler=dept_handler,
        outsider=make_user(Role.COMMUNITY_WORKER, county.community_b1),
        admin=admin,
    )


def photo(name: str = "photo.jpg", fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    """A real, small image file as a browser would upload it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format=fmt)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def first_building(world: CaseWorld) -> Any:
    return next(b for b in world.county.buildings.values() if b.grid_id == world.county.grid_a1_1.pk)


def report(world: CaseWorld, **overrides: Any) -> Case:
    """A grid worker reports rubbish piled up at a building in their grid."""
    fields: dict[str, Any] = {
        "by": world.grid_worker,
        "category": world.category,
        "description": "楼下垃圾堆放三天无人清运，有异味",
        "source": Source.GRID,
        "building": first_building(world),
        "reporter_phone": "13800138000",
    }
    fields.update(overrides)
    return services.report_case(**fields)


def advance(world: CaseWorld, case: Case, status: str) -> Case:
    """Walk a case along the happy path until it reaches `status`."""
    steps = [
        (CaseStatus.ACCEPTED, lambda c: services.accept_case(c, by=world.worker)),
        (
            CaseStatus.DISPATCHED,
            lambda c: services.dispatch_case(c, by=world.worker, unit=world.property_unit),
        ),
        (CaseStatus.HANDLING, lambda c: services.take_case(c, by=world.handler)),
        (
            CaseStatus.REPLIED,
            lambda c: services.reply_case(c, by=world.handler, note="已清运", photo_files=[photo()]),
        ),
        (CaseStatus.TO_EVALUATE, lambda c: services.verify_case(c, by=world.grid_worker, passed=True)),
        (
            CaseStatus.CLOSED,
            lambda c: services.evaluate_case(
                c, satisfaction=Satisfaction.SATISFIED, reporter_phone="13800138000", by=System("test")
            ),
        ),
    ]
    case.refresh_from_db()
    order: list[str] = [CaseStatus.REPORTED, *(target for target, _step in steps)]
    if case.status not in order or order.index(status) < order.index(case.status):
        raise ValueError(f"cannot walk a case from {case.status} to {status}")
    for target, step in steps[order.index(case.status) : order.index(status)]:
        case = step(case)
        assert case.status == target, (case.status, target)
    case.refresh_from_db()
    assert case.status == status, (case.status, status)
    return case
