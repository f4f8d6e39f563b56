"""Residents' sealed numbers (core/sealed.py), named for the registry's callers."""

from __future__ import annotations

from shequ.core import sealed

from .models import Resident


def id_digest(value: str) -> str:
    return sealed.digest_for(Resident, "id_number", value)


def phone_digest(value: str) -> str:
    return sealed.digest_for(Resident, "phone", value)


def set_id_number(resident: Resident, value: str, *, digest: str | None = None) -> None:
    """`digest`: id_digest(value) when the caller has it already (a keyed hash is not free)."""
    sealed.assign(resident, "id_number", sealed.seal_for(Resident, "id_number", value, digest=digest))


def set_phone(resident: Resident, value: str, *, digest: str | None = None) -> None:
    sealed.assign(resident, "phone", sealed.seal_for(Resident, "phone", value, digest=digest))


def plaintext_id_number(resident: Resident) -> str:
    return sealed.reveal(resident, "id_number")


def plaintext_phone(resident: Resident) -> str:
    return sealed.reveal(resident, "phone")
