"""403, 404 and 500 are Chinese pages in the site's layout with a way back, never Django's bare
English "403 Forbidden" or "Not Found"."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from shequ.accounts.roles import Role
from shequ.core import error_pages
from shequ.testing import County, make_user

pytestmark = pytest.mark.django_db


def chinese_client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_volunteer_opening_my_todo_gets_the_chinese_403_page_in_the_layout(county: County) -> None:
    client = chinese_client(make_user(Role.VOLUNTEER, county.community_a1))
    response = client.get(reverse("cases:todo"), HTTP_REFERER="http://testserver/registry/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "您无权访问此页面" in html
    assert "Forbidden" not in html
    assert 'class="sidebar"' in html  # the site's layout, with its menu
    assert f'href="{reverse("home")}"' in html and "返回工作台" in html
    assert 'href="http://testserver/registry/"' in html and "返回上一页" in html


def test_a_record_outside_the_scope_gets_the_chinese_404_page(county: County) -> None:
    client = chinese_client(make_user(Role.COMMUNITY_WORKER, county.community_b1))
    resident = county.residents["a11"]
    for url in (reverse("registry:resident_detail", args=[resident.pk]), "/registry/no-such-page/"):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 404
        assert "页面不存在" in html and "不在您负责的区域内" in html
        assert 'class="sidebar"' in html and "返回工作台" in html
        assert "Not Found" not in html


def test_the_api_opened_in_a_browser_refuses_with_the_chinese_pages(county: County) -> None:
    client = chinese_client(make_user(Role.VOLUNTEER, county.community_a1))
    refused = client.post("/api/v1/case-categories/", {"name": "x"}, HTTP_ACCEPT="text/html")
    assert refused.status_code == 403
    assert "您无权访问此页面" in refused.content.decode()
    outside = f"/api/v1/residents/{county.residents['b11'].pk}/"
    missing = client.get(outside, HTTP_ACCEPT="text/html")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
    # A program asking for JSON keeps the API's error shape.
    api = client.post("/api/v1/case-categories/", {"name": "x"}, HTTP_ACCEPT="application/json")
    assert api.status_code == 403 and api.json()["code"] == "forbidden"
    assert client.get(outside, HTTP_ACCEPT="application/json").json()["code"] == "not_found"


def test_a_back_link_only_leads_back_into_the_site(county: County) -> None:
    client = chinese_client(make_user(Role.VOLUNTEER, county.community_a1))
    html = client.get(reverse("cases:todo"), HTTP_REFERER="https://evil.example/phish").content.decode()
    assert "evil.example" not in html and "返回上一页" not in html


def test_the_500_page_is_chinese_and_needs_nothing_from_the_request() -> None:
    request = RequestFactory().get("/registry/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    from django.utils import translation

    with translation.override("zh-hans"):
        response = error_pages.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "系统出错了" in html and "错误已记录" in html
    assert "社区服务" in html  # a way on: the portal and the login
