"""Writing and revealing personal numbers. The only place that touches their plaintext."""

from __future__ import annotations

from shequ.core import crypto
from shequ.core.masking import mask_id_number, mask_phone

from .models import Resident

ID_PURPOSE = "id_number"
PHONE_PURPOSE = "phone"


def id_digest(value: str) -> str:
    return crypto.digest(value, purpose=ID_PURPOSE)


def phone_digest(value: str) -> str:
    return crypto.digest(value, purpose=PHONE_PURPOSE)


def set_id_number(resident: Resident, value: str, *, digest: str | None = None) -> None:
    """`digest`: id_digest(value) when the caller has it already (a keyed hash is not free)."""
    resident.id_number_cipher = crypto.encrypt(value)
    resident.id_number_digest = id_digest(value) if digest is None else digest
    resident.id_number_masked = mask_id_number(value)


def set_phone(resident: Resident, value: str, *, digest: str | None = None) -> None:
    resident.phone_cipher = crypto.encrypt(value)
    resident.phone_digest = phone_digest(value) if digest is None else digest
    resident.phone_masked = mask_phone(value)


def plaintext_id_number(resident: Resident) -> str:
    return crypto.decrypt(resident.id_number_cipher)


def plaintext_phone(resident: Resident) -> str:
    return crypto.decrypt(resident.phone_cipher)
