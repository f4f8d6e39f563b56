"""Field encryption (AES-256-GCM) and keyed digests for ID and phone numbers (ADR 0002)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from shequ.core import crypto

NEW_KEY = base64.b64encode(b"n" * 32).decode()
OTHER_KEY = base64.b64encode(b"o" * 32).decode()


@pytest.fixture(autouse=True)
def _fresh_keys(settings: Any) -> Iterator[None]:
    crypto.reset_key_cache()
    yield
    crypto.reset_key_cache()


@given(st.text())
def test_encrypt_then_decrypt_gives_back_the_text(text: str) -> None:
    token = crypto.encrypt(text)
    assert crypto.decrypt(token) == text
    assert token == "" if text == "" else token.startswith("v1.0.")


def test_ciphertext_never_contains_the_number() -> None:
    for number in ["330723198001011234", "13800000001"]:
        assert number not in crypto.encrypt(number)


def test_empty_text_stays_empty() -> None:
    assert crypto.encrypt("") == ""
    assert crypto.decrypt("") == ""


def test_each_encryption_uses_a_fresh_nonce() -> None:
    tokens = {crypto.encrypt("330723198001011234") for _ in range(20)}
    assert len(tokens) == 20


def test_tampered_ciphertext_does_not_decrypt() -> None:
    token = crypto.encrypt("13800000001")
    prefix, body = token.rsplit(".", 1)
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(ValueError):
        crypto.decrypt(prefix + "." + base64.b64encode(bytes(raw)).decode())


def test_ciphertext_bound_to_its_associated_data() -> None:
    token = crypto.encrypt("13800000001", associated=b"phone")
    with pytest.raises(ValueError):
        crypto.decrypt(token, associated=b"id_number")


def test_unknown_version_is_refused() -> None:
    token = crypto.encrypt("x")
    with pytest.raises(ValueError):
        crypto.decrypt("v9" + token[2:])


def test_digest_is_deterministic_and_separated_by_purpose() -> None:
    a = crypto.digest("13800000001", purpose="phone")
    assert a == crypto.digest("13800000001", purpose="phone")
    assert a != crypto.digest("13800000001", purpose="id_number")
    assert a != crypto.digest("13800000002", purpose="phone")
    assert len(a) == 64
    assert "13800000001" not in a
    assert crypto.digest("", purpose="phone") == ""


def test_digest_depends_on_the_hash_key(settings: Any) -> None:
    before = crypto.digest("13800000001", purpose="phone")
    settings.SHEQU_HASH_KEY = OTHER_KEY
    crypto.reset_key_cache()
    assert crypto.digest("13800000001", purpose="phone") != before


def test_after_key_rotation_old_values_still_decrypt_and_new_ones_use_the_new_key(settings: Any) -> None:
    old_token = crypto.encrypt("330723198001011234")
    old_keys = list(settings.SHEQU_FIELD_KEYS)
    settings.SHEQU_FIELD_KEYS = [NEW_KEY, *old_keys]
    crypto.reset_key_cache()
    assert crypto.decrypt(old_token) == "330723198001011234"
    new_token = crypto.encrypt("13800000001")
    assert crypto.decrypt(new_token) == "13800000001"
    # The new value needs the new key: with only the old key it cannot be read.
    settings.SHEQU_FIELD_KEYS = old_keys
    crypto.reset_key_cache()
    with pytest.raises(ValueError):
        crypto.decrypt(new_token)


def test_value_under_a_key_that_is_gone_does_not_decrypt(settings: Any) -> None:
    token = crypto.encrypt("13800000001")
    settings.SHEQU_FIELD_KEYS = [OTHER_KEY]
    crypto.reset_key_cache()
    with pytest.raises(ValueError):
        crypto.decrypt(token)


@pytest.mark.parametrize(
    "keys",
    [[], ["not base64!"], [base64.b64encode(b"short").decode()]],
    ids=["missing", "not-base64", "wrong-length"],
)
def test_missing_or_bad_field_key_is_a_configuration_error(settings: Any, keys: list[str]) -> None:
    settings.SHEQU_FIELD_KEYS = keys
    crypto.reset_key_cache()
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("13800000001")


@pytest.mark.parametrize("key", ["", "%%%", base64.b64encode(b"x" * 16).decode()])
def test_missing_or_bad_hash_key_is_a_configuration_error(settings: Any, key: str) -> None:
    settings.SHEQU_HASH_KEY = key
    crypto.reset_key_cache()
    with pytest.raises(ImproperlyConfigured):
        crypto.digest("13800000001", purpose="phone")
