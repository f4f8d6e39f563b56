"""DESIGN rule 10, text in: `clean_text`, and every form and serializer of the project cleaning with it."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django import forms
from rest_framework import serializers

import shequ
from shequ.core import inputs
from shequ.core.text import clean_text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("３３０７２３１９９００１０１１２３Ｘ", "33072319900101123X"),  # full-width ID number
        ("１３８－１２３４－５６７８", "138-1234-5678"),
        ("ＡＢＣ小区\u30001栋", "ABC小区 1栋"),  # full-width letters, ideographic space
        ("路灯\x1b[31m不亮\x00了", "路灯[31m不亮了"),  # ESC and NUL
        ("\ufeff王\u200b小明\u202e", "王小明"),  # BOM, zero-width space, right-to-left override
        ("张\t三\r\n李四", "张 三 李四"),  # a single-line field has no line breaks
        ("你好，请问：几点？（急！）～……", "你好，请问：几点？（急！）～……"),  # Chinese punctuation as typed
        ("C1\x85control\x9b", "C1 control"),
    ],
)
def test_clean_text_normalises_and_strips_controls(typed: str, stored: str) -> None:
    assert clean_text(typed) == stored


def test_a_multi_line_field_keeps_its_lines_and_tabs() -> None:
    assert clean_text("第一行\r\n第二行\r第三行\t完\x07", multiline=True) == "第一行\n第二行\n第三行\t完"


def _project_modules() -> None:
    """Import every module of the project except tests and migrations, so every form and
    serializer class is defined."""
    for info in pkgutil.walk_packages(shequ.__path__, "shequ."):
        if any(part in ("tests", "migrations", "management", "demo") for part in info.name.split(".")):
            continue
        importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_subclasses(sub)}
    return {c for c in out if c.__module__.startswith("shequ.") and ".tests." not in c.__module__}


def test_every_form_cleans_what_is_posted() -> None:
    _project_modules()
    found = _subclasses(forms.BaseForm)
    assert len(found) > 30
    assert [f"{c.__module__}.{c.__name__}" for c in found if not issubclass(c, inputs.CleanTextMixin)] == []


def _writable_text_fields(field: Any, name: str) -> list[tuple[str, Any]]:
    if isinstance(field, serializers.ListField):
        return _writable_text_fields(field.child, f"{name}[]")
    if field.read_only or not isinstance(field, serializers.CharField):
        return []
    if field.style.get("input_type") == "password":
        return []  # compared as typed
    if isinstance(field, serializers.RegexField):
        return []  # its pattern says which characters it takes
    return [(name, field)]


def test_every_serializer_text_field_cleans_what_is_sent() -> None:
    _project_modules()
    found = _subclasses(serializers.BaseSerializer)
    assert len(found) > 30
    plain = []
    for cls in found:
        for name, declared in getattr(cls, "_declared_fields", {}).items():
            for path, field in _writable_text_fields(declared, name):
                if not isinstance(field, inputs.CharField):
                    plain.append(f"{cls.__module__}.{cls.__name__}.{path}")
        if issubclass(cls, serializers.ModelSerializer) and not issubclass(cls, inputs.ModelSerializer):
            plain.append(f"{cls.__module__}.{cls.__name__} (model fields)")
    assert plain == []


def test_the_form_base_cleans_single_and_multi_line_fields_and_leaves_passwords() -> None:
    class Sample(inputs.Form):
        name = forms.CharField()
        note = forms.CharField(widget=forms.Textarea)
        password = forms.CharField(widget=forms.PasswordInput, strip=False)

    form = Sample({"name": "Ｗａｎｇ\x1b伟", "note": "一\r\n二\x00", "password": "ｐ\x01"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"name": "Wang伟", "note": "一\n二", "password": "ｐ\x01"}
