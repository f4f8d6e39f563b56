"""Re-encrypting personal numbers after a key rotation (`manage.py rotate_keys`, docs/operations.md).

Encrypted columns are found from the models, not listed: every concrete field named `*_cipher`
in any installed app, history tables included (an old version of a resident is as personal as the
current one). The digest beside a cipher (`*_digest`) only changes when the hash key changes
(`--rehash`); its purpose and normalisation are those the model declares with `sealed.fields`
(core/sealed.py), and a cipher/digest pair not declared that way makes `--rehash` refuse to start.

Every batch is read with its rows locked and written in its own transaction, and a value already
sealed under the newest key is skipped, so the command can be stopped and run again at any time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction

from . import crypto, sealed


class _DeclaredPurposes(Mapping[str, tuple[str, Callable[[object], str]]]):
    """`"app.Model.name"` → (digest purpose, normaliser) for every sealed field the models declare
    (core/sealed.py), read from the models when asked so a new app's fields need no entry here."""

    def _table(self) -> dict[str, tuple[str, Callable[[object], str]]]:
        return {
            f"{model._meta.label}.{name}": (spec.purpose, spec.kind.normalise)
            for model in apps.get_models()
            for name, spec in sealed.declared(model).items()
        }

    def __getitem__(self, key: str) -> tuple[str, Callable[[object], str]]:
        return self._table()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


DIGEST_PURPOSES = _DeclaredPurposes()


@dataclass(frozen=True)
class EncryptedColumn:
    model: type[models.Model]
    cipher_field: str
    digest_field: str | None

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.cipher_field}"

    @property
    def purpose_key(self) -> str:
        """The DIGEST_PURPOSES key: a history table shares its model's purposes."""
        owner = getattr(self.model, "instance_type", self.model)
        return f"{owner._meta.label}.{self.cipher_field.removesuffix('_cipher')}"


def encrypted_columns() -> list[EncryptedColumn]:
    out: list[EncryptedColumn] = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        for name in sorted(names):
            if name.endswith("_cipher"):
                digest = name.removesuffix("_cipher") + "_digest"
                out.append(EncryptedColumn(model, name, digest if digest in names else None))
    return sorted(out, key=lambda c: c.label)


def undeclared_digests() -> list[str]:
    return sorted(
        c.label for c in encrypted_columns() if c.digest_field and c.purpose_key not in DIGEST_PURPOSES
    )


@dataclass
class ColumnResult:
    label: str
    scanned: int = 0
    reencrypted: int = 0
    rehashed: int = 0
    unmatched: list[Any] = field(default_factory=list)  # pks whose digest fits neither hash key


class RotationError(Exception):
    pass


def rotate(
    *,
    batch_size: int = 1000,
    dry_run: bool = False,
    old_hash_key: str | None = None,
    progress: Callable[[ColumnResult], None] | None = None,
) -> list[ColumnResult]:
    """Seal every encrypted value under the newest field key; with `old_hash_key`, also move
    every digest from the old hash key to the configured one (SHEQU_HASH_KEY)."""
    if batch_size < 1:
        raise RotationError("the batch size must be at least 1")
    crypto.reset_key_cache()
    if old_hash_key is not None:
        missing = undeclared_digests()
        if missing:
            raise RotationError(
                "no digest purpose is declared for " + ", ".join(missing) + " (shequ/core/keyrotation.py)"
            )
        if crypto.digest("probe", purpose="probe", hash_key=old_hash_key) == crypto.digest(
            "probe", purpose="probe"
        ):
            raise RotationError("the old hash key is the configured SHEQU_HASH_KEY: nothing to re-hash")
    results = []
    for column in encrypted_columns():
        result = ColumnResult(column.label)
        last = None
        while True:
            # One transaction per batch, its rows locked (PostgreSQL) from read to write, so a
            # concurrent edit of the same number waits instead of being overwritten with the old value.
            with transaction.atomic(using=column.model._base_manager.db):
                batch = _next_batch(column, after=last, size=batch_size, with_digest=old_hash_key is not None)
                if not batch:
                    break
                _rotate_batch(column, batch, result, dry_run=dry_run, old_hash_key=old_hash_key)
            last = batch[-1][0]
            if progress is not None:
                progress(result)
        results.append(result)
    return results


def _next_batch(
    column: EncryptedColumn, *, after: Any, size: int, with_digest: bool
) -> list[tuple[Any, ...]]:
    """The next `size` rows with a cipher, in primary-key order, locked for update."""
    manager = column.model._base_manager  # a plain manager: append-only querysets refuse update()
    fields = ["pk", column.cipher_field]
    if with_digest and column.digest_field:
        fields.append(column.digest_field)
    rows = manager.exclude(**{column.cipher_field: ""}).order_by("pk")
    if after is not None:
        rows = rows.filter(pk__gt=after)
    return list(rows.select_for_update().values_list(*fields)[:size])


def _rotate_batch(
    column: EncryptedColumn,
    batch: list[tuple[Any, ...]],
    result: ColumnResult,
    *,
    dry_run: bool,
    old_hash_key: str | None,
) -> None:
    purposes = DIGEST_PURPOSES._table()
    purpose, normalise = purposes.get(column.purpose_key, ("", None))
    changed: list[models.Model] = []
    fields: set[str] = set()
    for row in batch:
        pk, token = row[0], row[1]
        result.scanned += 1
        values: dict[str, str] = {}
        fresh = crypto.reencrypt(token)
        if fresh is not None:
            values[column.cipher_field] = fresh
            result.reencrypted += 1
        if old_hash_key is not None and column.digest_field:
            stored = row[2]
            plain = crypto.decrypt(token)
            if normalise is not None:
                plain = normalise(plain)
            new = crypto.digest(plain, purpose=purpose)
            if stored != new:
                if stored == crypto.digest(plain, purpose=purpose, hash_key=old_hash_key):
                    values[column.digest_field] = new
                    result.rehashed += 1
                else:
                    result.unmatched.append(pk)
        if values:
            changed.append(column.model(pk=pk, **values))
            fields.update(values)
    if changed and not dry_run:
        column.model._base_manager.bulk_update(changed, sorted(fields))
