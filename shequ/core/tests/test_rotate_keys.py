"""Key rotation: `manage.py rotate_keys` moves every encrypted number to the newest field key, and
with --rehash every lookup digest to a new hash key, without changing what anyone can read or find."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shequ.cases import selectors as case_selectors
from shequ.cases.models import Case
from shequ.cases.testing import build_case_world, report
from shequ.core import crypto
from shequ.core.actors import System
from shequ.core.keyrotation import DIGEST_PURPOSES, encrypted_columns, undeclared_digests
from shequ.registry import pii, selectors
from shequ.registry import services as registry
from shequ.registry.models import Resident
from shequ.testing import County

OLD_KEY = base64.b64encode(b"o" * 32).decode()
NEW_KEY = base64.b64encode(b"n" * 32).decode()
OLD_HASH = base64.b64encode(b"h" * 32).decode()
NEW_HASH = base64.b64encode(b"H" * 32).decode()


@pytest.fixture
def keys(settings: Any) -> Iterator[Any]:
    """Switch keys as an operator does: change the setting, and the process starts afresh."""

    def use(field_keys: list[str], hash_key: str = OLD_HASH) -> None:
        settings.SHEQU_FIELD_KEYS = field_keys
        settings.SHEQU_HASH_KEY = hash_key
        crypto.reset_key_cache()

    use([OLD_KEY])
    yield use
    crypto.reset_key_cache()


@pytest.fixture
def data(keys: Any, county: County) -> County:
    """The test county (residents with ID numbers, history rows) plus phones and a reported case."""
    for resident in list(county.residents.values())[:3]:
        registry.update_resident(resident, by=System("test"), fields={"phone": "13900001111"}, reason="test")
    report(build_case_world(county), reporter_phone="13800138000")
    return county


def tokens() -> dict[str, dict[Any, str]]:
    out = {}
    for column in encrypted_columns():
        rows = column.model._base_manager.exclude(**{column.cipher_field: ""})
        out[column.label] = dict(rows.values_list("pk", column.cipher_field))
    return out


def plaintexts() -> dict[str, dict[Any, str]]:
    return {label: {pk: crypto.decrypt(t) for pk, t in values.items()} for label, values in tokens().items()}


def digests() -> dict[str, dict[Any, str]]:
    out = {}
    for column in encrypted_columns():
        if column.digest_field:
            rows = column.model._base_manager.exclude(**{column.cipher_field: ""})
            out[column.label] = dict(rows.values_list("pk", column.digest_field))
    return out


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_keys", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_every_encrypted_column_is_found_history_tables_included() -> None:
    labels = {c.label for c in encrypted_columns()}
    assert {
        "registry.Resident.id_number_cipher",
        "registry.Resident.phone_cipher",
        "registry.HistoricalResident.id_number_cipher",
        "registry.HistoricalResident.phone_cipher",
        "cases.Case.reporter_phone_cipher",
    } <= labels


def test_every_encrypted_column_with_a_digest_has_a_declared_purpose() -> None:
    assert undeclared_digests() == []
    # ... and the declared purposes are the ones the apps really use.
    assert pii.id_digest("330723198001011234") == crypto.digest(
        "330723198001011234", purpose=DIGEST_PURPOSES["registry.Resident.id_number"][0]
    )
    assert case_selectors.phone_digest("138-0013-8000") == crypto.digest(
        "13800138000", purpose=DIGEST_PURPOSES["cases.Case.reporter_phone"][0]
    )


def test_rotation_seals_every_value_under_the_new_key_and_the_old_key_can_then_go(
    data: County, keys: Any
) -> None:
    before, before_digests = plaintexts(), digests()
    assert sum(len(v) for v in before.values()) > 10
    assert before["cases.Case.reporter_phone_cipher"] and before["registry.HistoricalResident.phone_cipher"]

    keys([NEW_KEY, OLD_KEY])
    assert not any(crypto.is_current(t) for v in tokens().values() for t in v.values())
    out = rotate("--batch-size", "2")
    assert "re-encrypted" in out and "can now be removed" in out
    assert all(crypto.is_current(t) for v in tokens().values() for t in v.values())
    assert plaintexts() == before
    assert digests() == before_digests  # the hash key did not change: lookups keep working

    keys([NEW_KEY])
    assert plaintexts() == before
    resident = Resident.objects.exclude(id_number_cipher="").first()
    assert resident is not None
    found = selectors.search_residents(Resident.objects.all(), pii.plaintext_id_number(resident))
    assert list(found) == [resident]


def test_running_it_again_changes_nothing(data: County, keys: Any) -> None:
    keys([NEW_KEY, OLD_KEY])
    rotate()
    after_first = tokens()
    out = rotate()
    assert tokens() == after_first
    assert "Resident.id_number_cipher:" in out and " 0 were re-encrypted" in out
    assert not any(f"{n:,} were re-encrypted" in out for n in range(1, 100))


def test_dry_run_counts_and_changes_nothing(data: County, keys: Any) -> None:
    keys([NEW_KEY, OLD_KEY])
    before = tokens()
    out = rotate("--dry-run")
    assert tokens() == before
    residents = Resident.objects.exclude(id_number_cipher="").count()
    assert (
        f"registry.Resident.id_number_cipher: {residents:,} values, {residents:,} would be re-encrypted"
        in out
    )


def test_rehash_moves_every_digest_to_the_new_hash_key(
    data: County, keys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = plaintexts()
    keys([OLD_KEY], hash_key=NEW_HASH)
    monkeypatch.setenv("SHEQU_OLD_HASH_KEY", OLD_HASH)
    out = rotate("--rehash", "--batch-size", "3")
    assert "re-hashed" in out
    assert plaintexts() == before
    resident = Resident.objects.exclude(phone_cipher="").first()
    assert resident is not None
    for text in (pii.plaintext_id_number(resident), pii.plaintext_phone(resident)):
        assert resident in selectors.search_residents(Resident.objects.all(), text)
    number = Case.objects.get().number
    assert case_selectors.case_for_reporter(number, "13800138000") is not None  # the portal's lookup
    after = digests()
    assert rotate("--rehash").count(" 0 digests were re-hashed") == len(after)
    assert digests() == after


def test_rehash_needs_the_old_hash_key_and_refuses_digests_it_cannot_explain(
    data: County, keys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys([OLD_KEY], hash_key=NEW_HASH)
    with pytest.raises(CommandError, match="SHEQU_OLD_HASH_KEY"):
        rotate("--rehash")
    monkeypatch.setenv("SHEQU_OLD_HASH_KEY", NEW_HASH)
    with pytest.raises(CommandError, match="nothing to re-hash"):
        rotate("--rehash")
    odd = Resident.objects.exclude(id_number_cipher="").first()
    assert odd is not None
    Resident.objects.filter(pk=odd.pk).update(id_number_digest="0" * 64)
    monkeypatch.setenv("SHEQU_OLD_HASH_KEY", OLD_HASH)
    with pytest.raises(CommandError, match="could not be re-hashed"):
        rotate("--rehash")
    assert Resident.objects.get(pk=odd.pk).id_number_digest == "0" * 64  # left for a person to look at
