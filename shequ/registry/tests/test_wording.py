"""Words on the pages: a person has a 姓名, an organisation a 名称; languages are named in their
own language; code-table values read in English on English pages; demo accounts read as people."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.accounts.roles import Role
from shequ.core.actors import System
from shequ.registry import services
from shequ.registry.demo.accounts import DEMO_ACCOUNTS
from shequ.testing import County, make_user

pytestmark = pytest.mark.django_db


def page(county: County, url: str, language: str = "zh-hans") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def headings(html: str) -> list[str]:
    return re.findall(r"<th[^>]*>([^<]*)</th>", html)


def test_the_organisations_list_heads_its_name_column_mingcheng(county: County) -> None:
    cols = headings(page(county, reverse("registry:organizations")))
    assert cols[0] == "名称"
    assert "姓名" not in cols


def test_the_resident_page_heads_the_name_xingming(county: County) -> None:
    html = page(county, reverse("registry:resident_detail", args=[county.residents["a11"].pk]))
    assert "<dt>姓名</dt><dd>张伟</dd>" in html
    assert "<dt>名称</dt>" not in html


def test_the_language_menu_names_each_language_in_its_own_language(county: County) -> None:
    for language in ("zh-hans", "en"):
        html = page(county, reverse("registry:residents"), language)
        options = re.findall(r'<option value="(zh-hans|en)"[^>]*>([^<]*)</option>', html)
        assert dict(options) == {"zh-hans": "简体中文", "en": "English"}, language
    assert "英语" not in page(county, reverse("registry:residents"))


def test_demo_accounts_read_as_a_title_and_a_person_not_a_split_role_label() -> None:
    """The street admin showed as "街道 管理员" beside "街道管理员 · 壶山街道"."""
    role_words = {"管理员", "书记", "社工", "网格员", "网格长", "楼栋长", "经办人", "志愿者", "居民"}
    for spec in DEMO_ACCOUNTS:
        if spec.role == Role.ADMIN:
            continue
        title, _space, person = spec.full_name.rpartition(" ")
        assert title and 2 <= len(person) <= 3, spec.full_name
        assert person not in role_words, spec.full_name


def test_code_values_read_in_english_on_english_pages_and_chinese_on_chinese_ones(county: County) -> None:
    r = county.residents["a11"]
    services.update_resident(
        r,
        by=System("test"),
        fields={"gender": "2", "ethnicity": "01", "political_status": "13", "marital_status": "20"},
        reason="t",
    )
    url = reverse("registry:resident_detail", args=[r.pk])
    english = page(county, url, "en")
    for value in ("Han", "No party affiliation", "Married", "Female"):
        assert f"<dd>{value}</dd>" in english, value
    assert "汉族" not in english and "群众" not in english
    chinese = page(county, url)
    for value in ("汉族", "群众", "已婚", "女"):
        assert f"<dd>{value}</dd>" in chinese, value
    # The edit form's dropdowns too; what is stored and exported stays the code and its official name.
    edit = page(county, reverse("registry:resident_edit", args=[r.pk]), "en")
    assert '<option value="01" selected>Han</option>' in edit


def test_exports_keep_the_official_chinese_names_whatever_the_language(county: Any) -> None:
    from django.utils import translation

    from shequ.core import codes
    from shequ.core.models import CodeTable

    with translation.override("en"):
        assert codes.label(CodeTable.ETHNICITY, "01") == "汉族"
        assert codes.display_label(CodeTable.ETHNICITY, "01") == "Han"
        assert codes.label(CodeTable.EDUCATION, "21") == "大学本科毕业"
        assert codes.display_label(CodeTable.EDUCATION, "21") == "Bachelor's graduate"
        assert codes.display_label(CodeTable.RELATIONSHIP, "28") == "Son-in-law"
        assert codes.display_label(CodeTable.DIVISION, "330723") == codes.label(CodeTable.DIVISION, "330723")
    with translation.override("zh-hans"):
        assert codes.display_label(CodeTable.ETHNICITY, "01") == "汉族"


def test_tags_education_and_relationship_read_in_english_on_english_pages(county: County) -> None:
    r = county.residents["a11"]
    services.update_resident(r, by=System("test"), fields={"education": "21"}, reason="t")
    url = reverse("registry:resident_detail", args=[r.pk])
    english = page(county, url, "en")
    assert ">Elderly living alone</span>" in english
    assert "<dd>Bachelor&#x27;s graduate</dd>" in english
    assert "Head of household" in english
    assert "独居老人" not in english and "大学本科毕业" not in english
    chinese = page(county, url)
    assert ">独居老人</span>" in chinese and "<dd>大学本科毕业</dd>" in chinese
    assert "Elderly living alone" not in chinese and "Bachelor" not in chinese
    # The list's tag filter and badges too.
    listing = page(county, reverse("registry:residents"), "en")
    assert '<option value="elderly_alone">Elderly living alone</option>' in listing
    assert ">Elderly living alone</span>" in listing


def test_a_tag_without_an_english_name_shows_its_chinese_name_on_english_pages(county: County) -> None:
    from shequ.registry.models import TagType

    TagType.objects.filter(code="elderly_alone").update(name_en="")
    english = page(county, reverse("registry:resident_detail", args=[county.residents["a11"].pk]), "en")
    assert ">独居老人</span>" in english


def test_an_export_from_an_english_page_keeps_the_chinese_tag_and_education(county: County) -> None:
    import io

    from openpyxl import load_workbook

    r = county.residents["a11"]
    services.update_resident(r, by=System("test"), fields={"education": "21"}, reason="t")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    response = client.post(reverse("registry:residents_batch"), {"action": "export", "ids": [r.pk]})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    text = " ".join(str(v) for row in rows for v in row if v is not None)
    assert "独居老人" in text and "大学本科毕业" in text and "户主" in text
    assert "Elderly" not in text and "Bachelor" not in text and "Head of household" not in text
