"""core/sealed.py: one way to seal a personal number, giving the bytes the registry and cases
stored before it existed (same cipher format, same digests), so no existing row changes."""

from __future__ import annotations

import pytest

from shequ.cases.models import Case
from shequ.core import crypto, sealed
from shequ.core.keyrotation import DIGEST_PURPOSES
from shequ.core.sealed import SealKind, seal
from shequ.registry.models import Resident


def test_an_id_number_typed_with_full_width_digits_seals_as_the_clean_number() -> None:
    typed = seal("３３０７２３ １９８００１０１１２３x", SealKind.ID_NUMBER)
    clean = seal("33072319800101123X", SealKind.ID_NUMBER)
    assert typed.masked == clean.masked == "330723********123X"
    assert typed.digest == clean.digest == crypto.digest("33072319800101123X", purpose="id_number")
    assert crypto.decrypt(typed.cipher) == "33072319800101123X"
    assert typed.cipher.startswith("v1.0.")


def test_a_mobile_written_with_country_code_and_dashes_seals_as_its_11_digits() -> None:
    value = seal("+86 138-0013-8000", SealKind.PHONE)
    assert value.masked == "138****8000"
    assert value.digest == crypto.digest("13800138000", purpose="phone")
    assert sealed.digest_of("13800138000", SealKind.PHONE) == value.digest


def test_no_number_seals_to_three_empty_columns() -> None:
    value = seal("  ", SealKind.PHONE)
    assert (value.cipher, value.digest, value.masked) == ("", "", "")
    assert not value


def test_declared_fields_keep_the_digests_each_model_stored_before() -> None:
    # Residents' numbers and case reporters' phones are keyed apart, as they always were.
    assert sealed.digest_for(Resident, "phone", "13800138000") == crypto.digest(
        "13800138000", purpose="phone"
    )
    assert sealed.digest_for(Case, "reporter_phone", "138 0013 8000") == crypto.digest(
        "13800138000", purpose="case_phone"
    )
    assert sealed.digest_for(Resident, "phone", "13800138000") != sealed.digest_for(
        Case, "reporter_phone", "13800138000"
    )


def test_assign_writes_the_three_columns_and_refuses_a_number_sealed_for_another_purpose() -> None:
    resident = Resident()
    names = sealed.assign(resident, "phone", sealed.seal_for(Resident, "phone", "13800138000"))
    assert names == ("phone_cipher", "phone_digest", "phone_masked")
    assert resident.phone_masked == "138****8000"
    assert sealed.reveal(resident, "phone") == "13800138000"
    with pytest.raises(ValueError, match="case_phone"):
        sealed.assign(Case(), "reporter_phone", seal("13800138000", SealKind.PHONE))
    with pytest.raises(LookupError):
        sealed.assign(resident, "name", seal("13800138000", SealKind.PHONE))


def test_key_rotation_reads_purposes_from_the_declarations_history_tables_included() -> None:
    assert DIGEST_PURPOSES["registry.Resident.id_number"][0] == "id_number"
    assert DIGEST_PURPOSES["cases.Case.reporter_phone"][0] == "case_phone"
    history = Resident.history.model
    assert sealed.spec_of(history, "phone") == sealed.spec_of(Resident, "phone")
