"""The name index behind substring search by name (伟 finds 张伟) at city scale.

Every resident's name, folded, is cut into its distinct 1- and 2-character pieces, one
`ResidentNameGram` row each (张伟 → 张, 伟, 张伟). A search reads the residents holding the first
two folded characters of its text off the (gram, resident) index, and checks the name itself on
those alone, with the same `name__contains` / `name__icontains` as before: the table only narrows
what is read, so the results are exactly those of the plain substring filter (test_namegrams.py).
`pg_trgm` cannot do this: a two-character Chinese name has no trigram.

The table is kept by every write of `Resident.name`: the services (register, update), the import's
writer and the demo builder (in bulk), migration 0004 (backfill). `manage.py rebuild_name_grams`
checks it against the names and repairs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from django.db.models import QuerySet

from .bulkwrite import write_rows
from .models import Resident, ResidentNameGram

CHUNK = 20_000  # residents per statement when filling or checking the whole table


def fold(text: str) -> str:
    """Names and search texts are cut after folding, so the table finds every case variant the
    databases' own matching does. Upper case first: PostgreSQL's icontains compares UPPER() of both
    sides, and some letters share an upper case but not a lower one (ı and i → I); casefold() then
    merges the rest (ß/ss, σ/ς) without lower()'s context rules. Both map character by character, so
    a substring of a name stays a substring once both are folded."""
    return text.upper().casefold()


@lru_cache(maxsize=65536)  # a city has many people of the same name
def grams(name: str) -> frozenset[str]:
    folded = fold(name)
    return frozenset(folded[i : i + n] for n in (1, 2) for i in range(len(folded) - n + 1))


def probe(text: str) -> str:
    """The gram a search for `text` looks up: every name containing `text` has it."""
    return fold(text)[:2]


def holding(text: str) -> QuerySet[ResidentNameGram, Any]:
    """The residents whose folded name holds the first two folded characters of `text` (and, for a
    longer text, its last two), as a subquery of resident ids (a superset of the matches: the
    caller checks the name)."""
    folded = fold(text)
    ids = ResidentNameGram.objects.filter(gram=probe(text)).values("resident_id")
    if len(folded) > 2:
        # Both ends, read off the index alone: 王明 is 1,500 people in a city, 王明 and 明磊 a few,
        # so a handful of residents are read to check the name instead of 1,500.
        ids = ids.filter(
            resident_id__in=ResidentNameGram.objects.filter(gram=folded[-2:]).values("resident_id")
        )
    return ids


# --- keeping the table ------------------------------------------------------------------------

_TABLE = ResidentNameGram._meta.db_table


def _rows(residents: Iterable[tuple[int, str]]) -> list[tuple[str, int]]:
    return [(gram, pk) for pk, name in residents for gram in grams(name)]


def insert(residents: Iterable[tuple[int, str]], *, table: str = _TABLE) -> None:
    """The grams of new residents, given as (pk, name), in one COPY (PostgreSQL) or executemany
    (SQLite), in the caller's transaction."""
    write_rows(table, ["gram", "resident_id"], _rows(residents))


def replace(residents: Iterable[tuple[int, str]]) -> None:
    """After names changed: the residents' old grams go, their new ones are written."""
    pairs = list(residents)
    if not pairs:
        return
    ResidentNameGram.objects.filter(resident_id__in=[pk for pk, _ in pairs]).delete()
    insert(pairs)


def _chunks(residents: QuerySet[Resident]) -> Iterator[list[tuple[int, str]]]:
    """(pk, name) of every resident, CHUNK at a time in primary-key order (keyset, no OFFSET)."""
    last = 0
    while True:
        chunk = list(residents.filter(pk__gt=last).order_by("pk").values_list("pk", "name")[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


def fill(residents: QuerySet[Resident], *, table: str = _TABLE) -> int:
    """Write the grams of every resident of `residents` (whose table holds none of theirs yet);
    returns how many residents. The migration's backfill and a full rebuild."""
    done = 0
    for chunk in _chunks(residents):
        insert(chunk, table=table)
        done += len(chunk)
    return done


def differing() -> list[tuple[int, str]]:
    """(pk, name) of every resident whose grams in the table are not exactly those of their name."""
    out: list[tuple[int, str]] = []
    for chunk in _chunks(Resident.objects.all()):
        have: dict[int, set[str]] = {pk: set() for pk, _ in chunk}
        stored = ResidentNameGram.objects.filter(resident_id__gte=chunk[0][0], resident_id__lte=chunk[-1][0])
        for pk, gram in stored.values_list("resident_id", "gram"):
            have[pk].add(gram)
        out.extend((pk, name) for pk, name in chunk if have[pk] != grams(name))
    return out
