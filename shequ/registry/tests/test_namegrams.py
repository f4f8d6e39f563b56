"""The name index (namegrams.py): search through it finds exactly what the plain substring filter
found, and every path that writes a name keeps it (services, import, demo, backfill, repair)."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q, QuerySet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequ.core import idnumber
from shequ.core.actors import System
from shequ.core.idnumber import make as make_id
from shequ.core.parsing import normalize_phone
from shequ.registry import namegrams, pii, selectors, services
from shequ.registry.imports import run_import
from shequ.registry.models import Building, Dwelling, LastFour, Resident, ResidentNameGram
from shequ.registry.tests.test_imports import write_csv
from shequ.testing import County, add_resident

# Names as a registry meets them: Chinese of one to four characters, ethnic names with a middle
# dot, Latin names in any case, and the letters whose cases do not map one to one.
TRICKY_NAMES = [
    "王",
    "张伟",
    "张伟明",
    "欧阳娜娜",
    "买买提·艾力",
    "Anna Smith",
    "ANNA",
    "anna",
    "Straße",
    "STRASSE",
    "Iğdır",
    "İlkay",
    "ΣΟΦΙΑ",
    "σοφια",
    "张三 Smith",
    "li_na%",
    "𠈌伟",
]


def _plain_search(qs: QuerySet[Resident], text: str) -> QuerySet[Resident]:
    """search_residents as it was before the name index: the reference the index must match."""
    text = (text or "").strip()
    if not text:
        return qs
    compact = idnumber.normalize(text)
    if len(compact) in (15, 18) and compact[:-1].isdigit():
        return qs.filter(id_number_digest=pii.id_digest(compact))
    phone = normalize_phone(text)
    if re.match(r"^\d+$", phone) and len(phone) >= 7:
        return qs.filter(phone_digest=pii.phone_digest(phone))
    if re.match(r"^\d{3}[\dXx]$", text):
        text = text.upper()
        matches = Resident.objects.alias(
            phone4=LastFour("phone_masked"), id4=LastFour("id_number_masked")
        ).filter(Q(phone4=text) | Q(id4=text))
        return qs.filter(pk__in=matches.values("pk"))
    if re.match(r"^[a-zA-Z]+$", text.replace(" ", "")):
        low = text.replace(" ", "").lower()
        return qs.filter(
            Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low) | Q(name__icontains=text)
        )
    buildings = Building.objects.filter(Q(address__contains=text) | Q(estate__contains=text)).values("pk")
    return qs.filter(
        Q(name__contains=text)
        | Q(dwelling_id__in=Dwelling.objects.filter(building__in=buildings).values("pk"))
    )


def _ids(qs: QuerySet[Resident]) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def _same(text: str) -> None:
    everyone = Resident.objects.all()
    assert _ids(selectors.search_residents(everyone, text)) == _ids(_plain_search(everyone, text)), text


def _assert_index_matches_names() -> None:
    assert namegrams.differing() == []


@pytest.fixture
def named(county: County) -> County:
    dwelling = county.residents["a11"].dwelling
    assert dwelling is not None
    for i, name in enumerate(TRICKY_NAMES):
        add_resident(dwelling, name, birth=dt.date(1933, 4, 5), sequence=500 + i)
    return county


def test_a_name_is_cut_into_its_one_and_two_character_pieces() -> None:
    assert namegrams.grams("张伟") == {"张", "伟", "张伟"}
    assert namegrams.grams("欧阳娜娜") == {"欧", "阳", "娜", "欧阳", "阳娜", "娜娜"}
    assert namegrams.grams("Anna") == namegrams.grams("ANNA") == {"a", "n", "an", "nn", "na"}
    assert namegrams.probe("张伟明") == "张伟"
    assert namegrams.probe("Straße") == namegrams.probe("STRASSE") == "st"


def test_every_piece_of_every_name_finds_what_the_substring_filter_found(named: County) -> None:
    texts: set[str] = {
        "伟",
        "张",
        "ANNA",
        "ss",
        "SS",
        "ß",
        "i",
        "I",
        "ı",
        "σ",
        "ς",
        "Σ",
        "·",
        "%",
        "_",
        "a n",
    }
    for name in Resident.objects.values_list("name", flat=True):
        for length in range(1, len(name) + 1):
            for start in range(len(name) - length + 1):
                piece = name[start : start + length]
                texts |= {piece, piece.upper(), piece.lower(), piece.swapcase()}
    for text in sorted(texts):
        _same(text)
    assert _ids(selectors.search_residents(Resident.objects.all(), "伟")) >= {
        r.pk for r in Resident.objects.filter(name__in=["张伟", "张伟明", "𠈌伟"])
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet="张伟明王欧阳娜买提·艾力AaNnSsmithß İıIiΣσς𠈌Zzwh_%0", min_size=1, max_size=6))
def test_any_text_finds_what_the_substring_filter_found(named: County, text: str) -> None:
    _same(text)


def test_search_stays_inside_the_scope_it_is_given(named: County) -> None:
    outside = Resident.objects.filter(community=named.community_b1)
    inside = Resident.objects.exclude(community=named.community_b1)
    name = outside.first().name  # type: ignore[union-attr]
    assert _ids(selectors.search_residents(inside, name)) == _ids(_plain_search(inside, name))
    assert not _ids(selectors.search_residents(inside, name)) & _ids(outside)


# --- every write of a name keeps the index ---------------------------------------------------


def test_registering_and_renaming_keep_the_index(county: County) -> None:
    _assert_index_matches_names()
    dwelling = county.residents["a11"].dwelling
    assert dwelling is not None
    resident = add_resident(dwelling, "赵敏", birth=dt.date(1934, 5, 6), sequence=777)
    assert set(ResidentNameGram.objects.filter(resident=resident).values_list("gram", flat=True)) == {
        "赵",
        "敏",
        "赵敏",
    }
    services.update_resident(resident, by=System("test"), fields={"name": "赵敏敏"}, reason="更正姓名")
    services.update_resident(resident, by=System("test"), fields={"notes": "不改名"}, reason="备注")
    _assert_index_matches_names()
    assert _ids(selectors.search_residents(Resident.objects.all(), "敏敏")) == {resident.pk}


def test_import_keeps_the_index_for_new_and_renamed_residents(county: County, tmp_path: Path) -> None:
    g11 = county.grid_a1_1.code
    number = make_id("330723", dt.date(1970, 5, 6), 41)
    other = make_id("330723", dt.date(1971, 5, 6), 42)
    row = ["", "", "", "", "", "", g11, "", "", "", "", "", "", "", ""]
    first = run_import(
        write_csv(tmp_path / "a.csv", [["马丁", number, *row[2:]], ["Lucy Li", other, *row[2:]]]),
        by=System("test"),
    )
    assert (first.created, first.failed) == (2, 0), [e.line() for e in first.errors]
    _assert_index_matches_names()
    result = run_import(
        write_csv(tmp_path / "b.csv", [["马丁丁", number, *row[2:]], ["Lucy Li", other, *row[2:]]]),
        by=System("test"),
    )
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    _assert_index_matches_names()
    assert set(
        Resident.objects.filter(
            pk__in=selectors.search_residents(Resident.objects.all(), "丁丁")
        ).values_list("name", flat=True)
    ) == {"马丁丁"}
    assert selectors.search_residents(Resident.objects.all(), "lucy").count() == 1


def test_demo_builder_fills_the_index(db: Any) -> None:
    call_command("seed_demo", scale=2000, seed=7, stdout=io.StringIO())
    assert Resident.objects.count() > 1500
    _assert_index_matches_names()


def test_backfill_and_rebuild_command_repair_a_stale_index(named: County) -> None:
    ResidentNameGram.objects.all().delete()
    assert namegrams.fill(Resident.objects.all()) == Resident.objects.count()  # what migration 0004 runs
    _assert_index_matches_names()
    call_command("rebuild_name_grams", "--check", stdout=io.StringIO())

    # Names written around the services (SQL by hand) leave the index stale: check finds them,
    # the default run repairs only those, --all rewrites everything.
    zhang = Resident.objects.filter(name="张伟").first()
    assert zhang is not None
    Resident.objects.filter(pk=zhang.pk).update(name="张伟强")
    ResidentNameGram.objects.filter(resident__name="王").delete()
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 resident"):
        call_command("rebuild_name_grams", "--check", stdout=out)
    assert "张伟强" in out.getvalue()
    out = io.StringIO()
    call_command("rebuild_name_grams", stdout=out)
    assert "2 resident" in out.getvalue()
    _assert_index_matches_names()
    call_command("rebuild_name_grams", "--all", stdout=io.StringIO())
    _assert_index_matches_names()
    assert _ids(selectors.search_residents(Resident.objects.all(), "伟强")) == {zhang.pk}
