"""`manage.py create_open311_key CLIENT_NAME`: register an outside system that may post Open311
requests, and print its key once (docs/open311.md).

Only a digest of the key is stored, so the key printed on the last line cannot be shown again;
scripts may read it with `tail -n 1`. A name already taken is refused with a non-zero exit.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.cases import services
from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.core.text import clean_text


class Command(BaseCommand):
    help = (
        "Create an Open311 client and print its API key on the last line. The key is shown only this "
        "once; a client name that exists already is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "name", type=clean_text, help="the client's name, e.g. 12345 热线平台 (at most 64 characters)"
        )

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        try:
            client, key = services.create_open311_key(by=System("create_open311_key"), name=name)
        except RuleError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from exc
        self.stdout.write(f"Open311 client “{client.name}” created (key prefix {client.key_prefix}).")
        self.stdout.write(
            "Copy the key below now: it is stored only as a digest and will not be shown again."
        )
        self.stdout.write(key)
