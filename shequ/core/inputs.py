"""Text cleaned where it comes in (DESIGN rule 10): one mechanism per entry point.

- Pages: every form is a `Form` (or mixes in `CleanTextMixin`): before any field sees the posted
  data, each field's text is passed through `core.text.clean_text` (multi-line for a `Textarea`).
  Passwords are the one exception: they are compared as typed.
- API: every writable text field is a `CharField` from here (multi-line with `multiline=True`), and
  `ModelSerializer` maps the models' text columns to it. `core.tests.test_text_inputs` walks every
  form and serializer of the project and fails on one that does not clean.
- Open311 cleans its parameters where it reads them; the import cleans every cell it reads.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.datastructures import MultiValueDict
from rest_framework import serializers

from .text import clean_text, clean_value


def _field_cleans(field: forms.Field) -> bool:
    return not isinstance(field.widget, forms.PasswordInput | forms.FileInput)


class CleanTextMixin:
    """A form whose posted text is NFKC-normalised and stripped of control characters before
    validation, so what is checked is what is stored."""

    fields: dict[str, forms.Field]
    data: Any
    is_bound: bool

    def full_clean(self) -> None:
        if self.is_bound:
            self.data = self._clean_text_data(self.data)
        super().full_clean()  # type: ignore[misc]

    def _clean_text_data(self, data: Any) -> Any:
        cleaned = data.copy() if hasattr(data, "copy") else dict(data)
        for name, field in self.fields.items():
            if not _field_cleans(field):
                continue
            multiline = isinstance(field.widget, forms.Textarea)
            key = self.add_prefix(name)  # type: ignore[attr-defined]
            if isinstance(cleaned, MultiValueDict):
                if key in cleaned:
                    cleaned.setlist(key, [clean_value(v, multiline=multiline) for v in cleaned.getlist(key)])
            elif key in cleaned:
                value = cleaned[key]
                if isinstance(value, list | tuple):
                    cleaned[key] = [clean_value(v, multiline=multiline) for v in value]
                else:
                    cleaned[key] = clean_value(value, multiline=multiline)
        return cleaned


class Form(CleanTextMixin, forms.Form):
    """The base of every form in shequ."""


class CharField(serializers.CharField):
    """DRF's CharField, storing text cleaned by `core.text.clean_text`; `multiline=True` keeps
    line breaks and tabs (descriptions, notes, reasons)."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        # Cleaned before DRF's checks, so that max_length counts what is stored.
        if isinstance(data, str):
            data = clean_text(data, multiline=self.multiline)
        return super().to_internal_value(data)


class MultilineCharField(CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(multiline=True, **kwargs)


class ModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose model text columns come in through `CharField` (a TextField's
    as multi-line)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: MultilineCharField,
    }
