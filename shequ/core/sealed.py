"""Sealed personal numbers: how every app stores an ID or phone number (ADR 0002).

A sealed number is kept as three columns and never in clear:

- `<name>_cipher`: AES-256-GCM ciphertext (`core.crypto`), opened only by an audited reveal;
- `<name>_digest`: a keyed HMAC of the normalised number, for exact lookup and de-duplication;
- `<name>_masked`: what lists, pages, the API and exports show (`330723********1234`, `138****5678`).

A model declares the three at once, and writes them through `seal()` and `assign()`::

    phone_cipher, phone_digest, phone_masked = sealed.fields(_("phone"), SealKind.PHONE)
    ...
    sealed.assign(resident, "phone", sealed.seal_for(Resident, "phone", text))

The declaration (kind and digest purpose) rides on the three fields, so key rotation
(`core.keyrotation`) and the sealed-field walk (`core/tests/test_sealed_fields.py`) find every
sealed number from the models, and a field that looks like a phone or ID number but is not
declared this way fails that walk.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from . import crypto, idnumber
from .masking import mask_id_number, mask_phone
from .parsing import normalize_phone


class SealKind(enum.Enum):
    """What a number is: says how it is normalised before hashing and how it is masked.
    The value is the default digest purpose (so two kinds never share digests)."""

    ID_NUMBER = "id_number"
    PHONE = "phone"

    def normalise(self, value: object) -> str:
        if self is SealKind.ID_NUMBER:
            return idnumber.normalize(str(value or "").strip())
        return normalize_phone(value)

    def mask(self, value: str) -> str:
        return mask_id_number(value) if self is SealKind.ID_NUMBER else mask_phone(value)


@dataclass(frozen=True, slots=True)
class Sealed:
    """A number as it is stored: ciphertext, keyed digest, mask. Empty strings for no number."""

    cipher: str
    digest: str
    masked: str
    purpose: str

    def __bool__(self) -> bool:
        return bool(self.cipher)


@dataclass(frozen=True, slots=True)
class SealSpec:
    """A declared sealed field: its kind and the purpose its digest is keyed with."""

    kind: SealKind
    purpose: str


def seal(value: object, kind: SealKind, *, purpose: str | None = None, digest: str | None = None) -> Sealed:
    """Normalise `value` as `kind` requires and seal it.

    `purpose` separates digests of the same kind held for different reasons (a case reporter's
    phone is not matched against the registry's). `digest`: the caller computed `digest_of()`
    already (the import de-duplicates by it), so the keyed hash is not paid twice.
    """
    purpose = purpose or kind.value
    plain = kind.normalise(value)
    if not plain:
        return Sealed("", "", "", purpose)
    return Sealed(
        cipher=crypto.encrypt(plain),
        digest=crypto.digest(plain, purpose=purpose) if digest is None else digest,
        masked=kind.mask(plain),
        purpose=purpose,
    )


def digest_of(value: object, kind: SealKind, *, purpose: str | None = None) -> str:
    """The keyed digest `seal()` would store for `value`: for lookups by exact number."""
    return crypto.digest(kind.normalise(value), purpose=purpose or kind.value)


# --- declaring and using sealed fields on models ----------------------------------------------

_SPEC = "shequ_seal"  # the attribute that marks a field as one of a sealed triple


def fields(
    label: Any,
    kind: SealKind,
    *,
    purpose: str | None = None,
    masked_length: int = 20,
    digest_index: bool = False,
) -> tuple[models.TextField[str, str], models.CharField[str, str], models.CharField[str, str]]:
    """The three columns of a sealed number, to unpack into `<name>_cipher, _digest, _masked`.

    The mark they carry is a plain attribute, not a field option, so migrations do not see it.
    """
    spec = SealSpec(kind, purpose or kind.value)
    cipher: models.TextField[str, str] = models.TextField(format_lazy(_("{} (encrypted)"), label), blank=True)
    digest: models.CharField[str, str] = models.CharField(
        format_lazy(_("{} (digest)"), label), max_length=64, blank=True, db_index=digest_index
    )
    masked: models.CharField[str, str] = models.CharField(label, max_length=masked_length, blank=True)
    for field in (cipher, digest, masked):
        setattr(field, _SPEC, spec)
    return cipher, digest, masked


def field_names(name: str) -> tuple[str, str, str]:
    return f"{name}_cipher", f"{name}_digest", f"{name}_masked"


def spec_of(model: type[models.Model] | models.Model, name: str) -> SealSpec | None:
    """The declaration of sealed field `name` on `model`, or None when it is not declared."""
    try:
        field = model._meta.get_field(f"{name}_cipher")
    except FieldDoesNotExist:
        return None
    spec = getattr(field, _SPEC, None)
    return spec if isinstance(spec, SealSpec) else None


def is_sealed_field(field: Any) -> bool:
    """True for any of the three columns of a declared sealed number."""
    return isinstance(getattr(field, _SPEC, None), SealSpec)


def declared(model: type[models.Model]) -> dict[str, SealSpec]:
    """Every sealed number `model` declares, by name (`{"phone": SealSpec(...)}`)."""
    out: dict[str, SealSpec] = {}
    for field in model._meta.concrete_fields:
        spec = getattr(field, _SPEC, None)
        if isinstance(spec, SealSpec) and field.name.endswith("_cipher"):
            out[field.name.removesuffix("_cipher")] = spec
    return out


def _spec(model: type[models.Model] | models.Model, name: str) -> SealSpec:
    spec = spec_of(model, name)
    if spec is None:
        raise LookupError(f"{model._meta.label}.{name} is not a sealed field (declare it with sealed.fields)")
    return spec


def seal_for(
    model: type[models.Model] | models.Model, name: str, value: object, *, digest: str | None = None
) -> Sealed:
    """`seal()` with the kind and purpose `model` declares for `name`."""
    spec = _spec(model, name)
    return seal(value, spec.kind, purpose=spec.purpose, digest=digest)


def digest_for(model: type[models.Model] | models.Model, name: str, value: object) -> str:
    """`digest_of()` with the kind and purpose `model` declares for `name`."""
    spec = _spec(model, name)
    return digest_of(value, spec.kind, purpose=spec.purpose)


def assign(instance: models.Model, name: str, value: Sealed) -> tuple[str, str, str]:
    """Write a sealed number onto `instance` (not saved); returns the three column names.

    A value sealed for another purpose is refused: its digest would never match a lookup.
    """
    spec = _spec(instance, name)
    if value and value.purpose != spec.purpose:
        raise ValueError(f"{name} is sealed for {spec.purpose!r}, not {value.purpose!r}")
    cipher, digest, masked = field_names(name)
    setattr(instance, cipher, value.cipher)
    setattr(instance, digest, value.digest)
    setattr(instance, masked, value.masked)
    return cipher, digest, masked


def reveal(instance: models.Model, name: str) -> str:
    """The number in clear. Only reveal services call this: they check permission and audit."""
    return crypto.decrypt(getattr(instance, f"{name}_cipher"))
