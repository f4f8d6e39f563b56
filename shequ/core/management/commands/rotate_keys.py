"""`manage.py rotate_keys [--batch-size N] [--dry-run] [--rehash]` (docs/operations.md, "Key rotation").

Put the new key first in SHEQU_FIELD_KEY (old keys after it), restart the app servers and workers,
then run this: every encrypted ID and phone number, history included, is sealed again under the new
key, batch by batch, each batch in its own transaction. It can be stopped and run again: values
already under the new key are skipped. When it reports nothing left, the old keys can be removed.

With --rehash it also moves every lookup digest to a new SHEQU_HASH_KEY; the previous hash key is
read from the environment variable SHEQU_OLD_HASH_KEY (never from the command line, where `ps`
would show it). Lookups of rows not yet re-hashed fail meanwhile: run it in a maintenance window.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.core import crypto
from shequ.core.keyrotation import ColumnResult, RotationError, rotate

OLD_HASH_KEY_ENV = "SHEQU_OLD_HASH_KEY"


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column under the newest SHEQU_FIELD_KEY (the first of the list), "
        "in batches, resumable. --rehash also recomputes the lookup digests under a new SHEQU_HASH_KEY "
        f"(the old one in the environment variable {OLD_HASH_KEY_ENV})."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="rows per transaction (default 1000)"
        )
        parser.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")
        parser.add_argument(
            "--rehash",
            action="store_true",
            help=f"also re-hash the digests: SHEQU_HASH_KEY is the new key, {OLD_HASH_KEY_ENV} the old one",
        )

    def handle(self, *args: Any, batch_size: int, dry_run: bool, rehash: bool, **options: Any) -> None:
        old_hash_key = None
        if rehash:
            old_hash_key = os.environ.get(OLD_HASH_KEY_ENV, "")
            if not old_hash_key:
                raise CommandError(
                    f"--rehash needs the previous hash key in the environment variable {OLD_HASH_KEY_ENV}"
                )
        keys = list(settings.SHEQU_FIELD_KEYS)
        if not keys:
            raise CommandError("SHEQU_FIELD_KEY is not set")
        try:
            ids = [crypto.key_id(k) for k in keys]
        except Exception as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Newest field key: {ids[0]}; older keys still accepted: {', '.join(ids[1:]) or 'none'}"
        )
        if dry_run:
            self.stdout.write("Dry run: nothing is written.")

        verbosity = int(options.get("verbosity", 1))
        last_shown = [0.0]

        def progress(result: ColumnResult) -> None:
            # A line every few seconds at most: a city is a thousand batches per column.
            if verbosity >= 2 or (verbosity == 1 and time.monotonic() - last_shown[0] >= 5):
                last_shown[0] = time.monotonic()
                self.stdout.write(
                    f"  {result.label}: {result.scanned:,} scanned, {result.reencrypted:,} re-encrypted"
                    + (f", {result.rehashed:,} re-hashed" if rehash else "")
                )

        try:
            results = rotate(
                batch_size=batch_size, dry_run=dry_run, old_hash_key=old_hash_key, progress=progress
            )
        except (RotationError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        verb = "would be" if dry_run else "were"
        for r in results:
            line = f"{r.label}: {r.scanned:,} values, {r.reencrypted:,} {verb} re-encrypted"
            if rehash:
                line += f", {r.rehashed:,} digests {verb} re-hashed"
            self.stdout.write(line)
        unmatched = [r for r in results if r.unmatched]
        if unmatched:
            for r in unmatched:
                self.stderr.write(
                    f"{r.label}: {len(r.unmatched)} digests match neither hash key (first ids: "
                    f"{', '.join(map(str, r.unmatched[:10]))}); left as they are"
                )
            raise CommandError("some digests could not be re-hashed: see above")
        if dry_run:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: every encrypted value is under key {ids[0]}."
                + (
                    f" Older keys ({', '.join(ids[1:])}) can now be removed from SHEQU_FIELD_KEY."
                    if ids[1:]
                    else ""
                )
                + (f" Digests are under the new hash key; remove {OLD_HASH_KEY_ENV}." if rehash else "")
            )
        )
