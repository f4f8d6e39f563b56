"""DESIGN rule 10, text in, for the registry: a resident's page form and the API store text
NFKC-normalised and without control characters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from shequ.accounts.roles import Role
from shequ.core.idnumber import make as make_id
from shequ.registry.models import Resident
from shequ.testing import County, make_user

pytestmark = pytest.mark.django_db


def test_the_resident_form_stores_text_without_control_characters(client: Any, county: County) -> None:
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1, username="worker_a1"))
    r = county.residents["a11"]
    response = client.post(
        reverse("registry:resident_edit", args=[r.pk]),
        {
            "name": "张\x1b伟",
            "gender": r.gender,
            "birth_date": r.birth_date.isoformat(),
            "residence_type": "registered",
            "relation_to_head": r.relation_to_head,
            "workplace": "县医院\x00（东院）",
            "notes": "行动不便\r\n需上门\x1b服务",
            "reason": "本人来电更正",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    r.refresh_from_db()
    assert (r.name, r.workplace, r.notes) == ("张伟", "县医院（东院）", "行动不便\n需上门服务")


def test_the_api_stores_a_resident_without_control_characters(county: County) -> None:
    head = make_user(Role.COMMUNITY_HEAD, county.community_a1)
    _instance, token_key = AuthToken.objects.create(user=head)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    number = make_id("330723", dt.date(1990, 5, 6), 2)
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    response = client.post(
        "/api/v1/residents/",
        {
            "name": "赵\x1b敏",
            "id_number": full_width,
            "phone": "１３９１２３４５６７８",
            "workplace": "ＡＢＣ公司\x1b",
            "dwelling": county.residents["a11"].dwelling_id,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    resident = Resident.objects.get(pk=response.json()["id"])
    assert (resident.name, resident.workplace) == ("赵敏", "ABC公司")
    assert resident.birth_date == dt.date(1990, 5, 6) and resident.phone_masked == "139****5678"
